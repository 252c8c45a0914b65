import { wiring } from '#adapters/wiring';
import { makeRevokeApiKey } from '#domain/api-keys/revoke-api-key';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';

const revokeApiKey = makeRevokeApiKey({ apiKeys: wiring.apiKeys() });

export const handler = authenticatedHandler({ who: 'person' }, async ({ event, caller }) => {
  await revokeApiKey(caller, pathParameter(event, 'keyId'));
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
