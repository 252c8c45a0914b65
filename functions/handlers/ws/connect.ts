import { wiring } from '#adapters/wiring';
import { makeOpenConnection } from '#domain/connections/open-connection';
import { connectionsConfig } from '#shared/config';
import { connectionCaller, webSocketLifecycleHandler } from '#shared/middleware/websocket';

const openConnection = makeOpenConnection({
  connections: wiring.connectionStore(),
  ttlSeconds: connectionsConfig().ttlSeconds,
});

/** The authorizer has let the user in; record the connection (or refuse one too many with 429). */
export const handler = webSocketLifecycleHandler(async (event) => {
  const caller = connectionCaller(event);
  await openConnection({
    connectionId: event.requestContext.connectionId,
    userId: caller.userId,
    tokenExpiresAt: caller.expiresAt,
  });
});
