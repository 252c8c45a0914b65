import { wiring } from '#adapters/wiring';
import { makeListApiKeys } from '#domain/api-keys/list-api-keys';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';

const listApiKeys = makeListApiKeys({ apiKeys: wiring.apiKeys() });

export const handler = authenticatedHandler({ who: 'person' }, async ({ caller }) => {
  const keys = await listApiKeys(caller);
  return json(
    200,
    keys.map((key) => ({
      id: key.id,
      name: key.name,
      createdAt: key.createdAt.toISOString(),
      lastUsedAt: key.lastUsedAt?.toISOString() ?? null,
    })),
  );
});
