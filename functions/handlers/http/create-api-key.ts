import { wiring } from '#adapters/wiring';
import { apiKeyInput, makeCreateApiKey } from '#domain/api-keys/create-api-key';
import { jsonBody } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';

const createApiKey = makeCreateApiKey({ apiKeys: wiring.apiKeys() });

export const handler = authenticatedHandler({ who: 'person' }, async ({ event, caller }) => {
  const created = await createApiKey(caller, jsonBody(event, apiKeyInput));
  return json(201, {
    id: created.id,
    name: created.name,
    key: created.key,
    createdAt: created.createdAt.toISOString(),
  });
});
