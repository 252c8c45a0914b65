import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { Connection, ConnectionStore } from '#domain/connections/ports';

/**
 * Key design of the connections table (one table, no Scan anywhere):
 * - a connection: `pk = CONN#<connectionId>`, `sk = META`;
 * - a subscription: `pk = CHANNEL#<channelId>`, `sk = CONN#<connectionId>`, so a channel's subscribers
 *   are one Query on the base table;
 * - every item carries `connectionId`, the partition key of the `byConnection` index, so a connection's
 *   items are one Query when it closes;
 * - `expiresAt` (epoch seconds) is the TTL attribute, a backstop for connections that vanish unseen.
 */
export const connectionKeys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'META' }),
  subscription: (channelId: string, connectionId: string) => ({
    pk: `CHANNEL#${channelId}`,
    sk: `CONN#${connectionId}`,
  }),
  byConnectionIndex: 'byConnection',
} as const;

export interface DynamoDbConnectionStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
}

/** The connection store on DynamoDB, plus a cheap read for health checks. */
export function dynamoDbConnectionStore({ tableName, client }: DynamoDbConnectionStoreOptions) {
  const documents = client ?? DynamoDBDocumentClient.from(new DynamoDBClient({}));

  const store: ConnectionStore & { probe(): Promise<void> } = {
    async save(connection: Connection) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...connectionKeys.connection(connection.connectionId),
            connectionId: connection.connectionId,
            userId: connection.userId,
            connectedAt: connection.connectedAt.toISOString(),
            expiresAt: Math.floor(connection.expiresAt.getTime() / 1000),
          },
        }),
      );
    },

    async remove(connectionId: string) {
      // The record itself by key (strongly consistent), then whatever the index still lists.
      await documents.send(
        new DeleteCommand({ TableName: tableName, Key: connectionKeys.connection(connectionId) }),
      );
      const pages = paginateQuery(
        { client: documents },
        {
          TableName: tableName,
          IndexName: connectionKeys.byConnectionIndex,
          KeyConditionExpression: 'connectionId = :id',
          ExpressionAttributeValues: { ':id': connectionId },
          ProjectionExpression: 'pk, sk',
        },
      );
      for await (const page of pages) {
        const keys = (page.Items ?? []).map((item) => ({ pk: item.pk as string, sk: item.sk as string }));
        await deleteAll(documents, tableName, keys);
      }
    },

    async probe() {
      await documents.send(new GetCommand({ TableName: tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    },
  };
  return store;
}

const batchSize = 25;

async function deleteAll(client: DynamoDBDocumentClient, tableName: string, keys: Record<string, string>[]) {
  for (let start = 0; start < keys.length; start += batchSize) {
    let requests = keys.slice(start, start + batchSize).map((Key) => ({ DeleteRequest: { Key } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * 2 ** attempt)));
      const output = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: requests } }));
      requests = (output.UnprocessedItems?.[tableName] ?? []) as typeof requests;
      if (attempt > 8 && requests.length > 0)
        throw new Error(`DynamoDB left ${requests.length} deletes unprocessed`);
    }
  }
}
