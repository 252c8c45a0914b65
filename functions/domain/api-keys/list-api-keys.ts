import type { Caller } from '#domain/identity/caller';
import { requirePerson } from './create-api-key.ts';
import type { ApiKey, ApiKeyStore } from './ports.ts';

/** A person's API keys, newest first; never their secrets, which are not kept. */
export function makeListApiKeys({ apiKeys }: { apiKeys: ApiKeyStore }) {
  return async (caller: Caller): Promise<ApiKey[]> => {
    requirePerson(caller);
    return apiKeys.listByOwner(caller.userId);
  };
}
