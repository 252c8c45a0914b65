import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { makeGcraRateLimiter, type RateStateStore } from '#domain/quotas/gcra';
import type { RateLimiter } from '#domain/quotas/ports';
import { documentClient } from './dynamodb-client.ts';

/** Rate-limit state shares the connections table: `pk = RATE#<scope>#<id>`, `sk = RATE`. */
export const rateLimitKey = (key: string) => ({ pk: `RATE#${key}`, sk: 'RATE' });

export interface DynamoDbRateLimiterOptions {
  tableName: string;
  client?: DynamoDBDocumentClient;
  now?: () => Date;
}

/**
 * One item per key holding its theoretical arrival time (`tat`, epoch milliseconds) and a TTL
 * (`expiresAt`, epoch seconds) shortly after it, when the item no longer limits anything. Reads are
 * strongly consistent and writes conditional on the `tat` read, so concurrent takes in any number of
 * containers never exceed a limit.
 */
export function dynamoDbRateStateStore({
  tableName,
  client,
}: Omit<DynamoDbRateLimiterOptions, 'now'>): RateStateStore {
  const documents = client ?? documentClient();
  return {
    async read(key) {
      const { Item } = await documents.send(
        new GetCommand({
          TableName: tableName,
          Key: rateLimitKey(key),
          ConsistentRead: true,
          ProjectionExpression: 'tat',
        }),
      );
      return typeof Item?.tat === 'number' ? Item.tat : undefined;
    },

    async write(key, tat, expected, expiresAt) {
      try {
        await documents.send(
          new PutCommand({
            TableName: tableName,
            Item: { ...rateLimitKey(key), tat, expiresAt: Math.floor(expiresAt.getTime() / 1000) },
            ...(expected === undefined
              ? { ConditionExpression: 'attribute_not_exists(tat)' }
              : {
                  ConditionExpression: 'tat = :expected',
                  ExpressionAttributeValues: { ':expected': expected },
                }),
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
  };
}

/** The rate limiter every container shares, on the connections table. */
export function dynamoDbRateLimiter({ now, ...options }: DynamoDbRateLimiterOptions): RateLimiter {
  return makeGcraRateLimiter({ state: dynamoDbRateStateStore(options), now });
}
