import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { isUuid } from '#shared/validation';
import { requirePerson } from './create-api-key.ts';
import type { ApiKeyStore } from './ports.ts';

/**
 * Deletes one of the caller's keys; the next request with it is refused. Someone else's key, an unknown
 * id and a malformed one are all "not found", so key ids cannot be probed.
 */
export function makeRevokeApiKey({ apiKeys }: { apiKeys: ApiKeyStore }) {
  return async (caller: Caller, keyId: string): Promise<void> => {
    requirePerson(caller);
    const revoked = isUuid(keyId) && (await apiKeys.revoke(caller.userId, keyId.toLowerCase()));
    if (!revoked) throw new DomainError('not-found', 'You have no API key with this id.');
  };
}
