import { createDataApi } from '#adapters/data-api';
import { dataApiApiKeyStore } from '#adapters/data-api-api-keys';
import { apiKeyInput, makeCreateApiKey } from '#domain/api-keys/create-api-key';
import { databaseConfig } from '#shared/config';
import { jsonBody } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';

const createApiKey = makeCreateApiKey({ apiKeys: dataApiApiKeyStore(createDataApi(databaseConfig())) });

export const handler = authenticatedHandler({ who: 'person' }, async ({ event, caller }) => {
  const created = await createApiKey(caller, jsonBody(event, apiKeyInput));
  return json(201, {
    id: created.id,
    name: created.name,
    key: created.key,
    createdAt: created.createdAt.toISOString(),
  });
});
