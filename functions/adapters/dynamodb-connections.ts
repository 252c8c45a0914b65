import {
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
} from '@aws-sdk/lib-dynamodb';
import type { Connection, ConnectionStore } from '#domain/connections/ports';
import type { Subscription, SubscriptionStore } from '#domain/realtime/ports';
import { connectionsTableKeys } from '#shared/connections-table';
import { documentClient } from './dynamodb-client.ts';

/**
 * Key design of the connections table (one table, no Scan anywhere):
 * - a connection: `pk = CONN#<connectionId>`, `sk = META`, with `userId`: the sparse `byUser` index
 *   lists a user's connections (for the per-user cap);
 * - a subscription: `pk = CHANNEL#<channelId>`, `sk = CONN#<connectionId>`, with `subscriberId`, so a
 *   channel's subscribers are one paginated Query on the base table;
 * - every item carries `connectionId`, the partition key of the `byConnection` index, so a connection's
 *   items are one Query when it closes;
 * - `expiresAt` (epoch seconds) is the TTL attribute, a backstop for connections that vanish unseen;
 *   readers ignore expired items, which DynamoDB may take a while to delete.
 */
const connectionKeys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'META' }),
  subscription: (channelId: string, connectionId: string) => ({
    pk: `CHANNEL#${channelId}`,
    sk: `CONN#${connectionId}`,
  }),
  byConnectionIndex: connectionsTableKeys.byConnectionIndex,
  byUserIndex: connectionsTableKeys.byUserIndex,
} as const;

const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);
const fromEpochSeconds = (seconds: number) => new Date(seconds * 1000);

export interface DynamoDbStoreOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
}

/** The connection store on DynamoDB, plus a cheap read for health checks. */
export function dynamoDbConnectionStore({ tableName, client }: DynamoDbStoreOptions) {
  const documents = client ?? documentClient();

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
            expiresAt: epochSeconds(connection.expiresAt),
            tokenExpiresAt: epochSeconds(connection.tokenExpiresAt),
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

    async countOpen(userId: string, now: Date) {
      let count = 0;
      const pages = paginateQuery(
        { client: documents },
        {
          TableName: tableName,
          IndexName: connectionKeys.byUserIndex,
          KeyConditionExpression: 'userId = :userId',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':userId': userId, ':now': epochSeconds(now) },
          Select: 'COUNT',
        },
      );
      for await (const page of pages) count += page.Count ?? 0;
      return count;
    },

    async probe() {
      await documents.send(new GetCommand({ TableName: tableName, Key: { pk: 'HEALTH', sk: 'HEALTH' } }));
    },
  };
  return store;
}

/** Channel subscriptions on DynamoDB. */
export function dynamoDbSubscriptionStore({ tableName, client }: DynamoDbStoreOptions): SubscriptionStore {
  const documents = client ?? documentClient();
  return {
    async put(subscription: Subscription) {
      await documents.send(
        new PutCommand({
          TableName: tableName,
          Item: {
            ...connectionKeys.subscription(subscription.channelId, subscription.connectionId),
            connectionId: subscription.connectionId,
            subscriberId: subscription.userId,
            expiresAt: epochSeconds(subscription.expiresAt),
            tokenExpiresAt: epochSeconds(subscription.tokenExpiresAt),
          },
        }),
      );
    },

    async remove(channelId: string, connectionId: string) {
      const output = await documents.send(
        new DeleteCommand({
          TableName: tableName,
          Key: connectionKeys.subscription(channelId, connectionId),
          ReturnValues: 'ALL_OLD',
        }),
      );
      return output.Attributes !== undefined;
    },

    async *ofChannel(channelId: string) {
      const pages = paginateQuery(
        { client: documents, pageSize: 500 },
        {
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': `CHANNEL#${channelId}` },
          ConsistentRead: true,
        },
      );
      for await (const page of pages) {
        yield (page.Items ?? []).map((item) => ({
          channelId,
          connectionId: item.connectionId as string,
          userId: item.subscriberId as string,
          expiresAt: fromEpochSeconds(item.expiresAt as number),
          tokenExpiresAt: fromEpochSeconds(item.tokenExpiresAt as number),
        }));
      }
    },
  };
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
