import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { requirePerson } from './create-api-key.ts';
import type { ApiKeyStore } from './ports.ts';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Deletes one of the caller's keys; the next request with it is refused. Someone else's key, an unknown
 * id and a malformed one are all "not found", so key ids cannot be probed.
 */
export function makeRevokeApiKey({ apiKeys }: { apiKeys: ApiKeyStore }) {
  return async (caller: Caller, keyId: string): Promise<void> => {
    requirePerson(caller);
    const revoked = uuid.test(keyId) && (await apiKeys.revoke(caller.userId, keyId.toLowerCase()));
    if (!revoked) throw new DomainError('not-found', 'You have no API key with this id.');
  };
}
