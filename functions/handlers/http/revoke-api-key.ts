import { createDataApi } from '#adapters/data-api';
import { dataApiApiKeyStore } from '#adapters/data-api-api-keys';
import { makeRevokeApiKey } from '#domain/api-keys/revoke-api-key';
import { databaseConfig } from '#shared/config';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';

const revokeApiKey = makeRevokeApiKey({ apiKeys: dataApiApiKeyStore(createDataApi(databaseConfig())) });

export const handler = authenticatedHandler({ who: 'person' }, async ({ event, caller }) => {
  await revokeApiKey(caller, pathParameter(event, 'keyId'));
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
});
