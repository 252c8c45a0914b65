import { dynamoDbConnectionStore } from '#adapters/dynamodb-connections';
import { makeOpenConnection } from '#domain/connections/open-connection';
import { connectionsConfig } from '#shared/config';
import { webSocketLifecycleHandler } from '#shared/middleware/websocket';

const { tableName, ttlSeconds } = connectionsConfig();
const openConnection = makeOpenConnection({
  connections: dynamoDbConnectionStore({ tableName }),
  ttlSeconds,
});

export const handler = webSocketLifecycleHandler((event) =>
  openConnection(event.requestContext.connectionId),
);
