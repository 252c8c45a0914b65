import { wiring } from '#adapters/wiring';
import { makeCloseConnection } from '#domain/connections/close-connection';
import { webSocketLifecycleHandler } from '#shared/middleware/websocket';

const closeConnection = makeCloseConnection({ connections: wiring.connectionStore() });

export const handler = webSocketLifecycleHandler((event) =>
  closeConnection(event.requestContext.connectionId),
);
