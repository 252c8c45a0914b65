import { dynamoDbConnectionStore } from '#adapters/dynamodb-connections';
import { makeCloseConnection } from '#domain/connections/close-connection';
import { connectionsConfig } from '#shared/config';
import { webSocketLifecycleHandler } from '#shared/middleware/websocket';

const closeConnection = makeCloseConnection({ connections: dynamoDbConnectionStore(connectionsConfig()) });

export const handler = webSocketLifecycleHandler((event) =>
  closeConnection(event.requestContext.connectionId),
);
