import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dynamoDbRateLimiter, dynamoDbRateStateStore, rateLimitKey } from '#adapters/dynamodb-rate-limiter';
import type { RateLimit } from '#domain/quotas/ports';
import { createTablesFromTemplate, type RunningDynamoDb, startDynamoDb } from '#local/dynamodb';
import { localStackFacts } from '#local/template';

describe('the DynamoDB rate limiter on dynalite', () => {
  let dynamoDb: RunningDynamoDb;
  let documents: DynamoDBDocumentClient;
  let tableName: string;
  let keys = 0;
  const freshKey = () => `test#${++keys}-${Date.now()}`;

  beforeAll(async () => {
    // The connections table exactly as the synthesized stack defines it.
    const template = inject('template');
    dynamoDb = await startDynamoDb();
    const tables = await createTablesFromTemplate(dynamoDb.url, template);
    tableName = localStackFacts(template).connectionsTableLogicalId;
    if (!tables.includes(tableName)) throw new Error('The template has no connections table');
    documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: dynamoDb.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
  });
  afterAll(async () => {
    documents?.destroy();
    await dynamoDb?.stop();
  });

  const limiter = (now?: () => Date) => dynamoDbRateLimiter({ tableName, client: documents, now });

  it('allows a burst, then refuses with a retry delay', async () => {
    const rateLimiter = limiter();
    const key = freshKey();
    const limit: RateLimit = { rate: 1, periodSeconds: 10, burst: 3 };

    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await rateLimiter.take(key, limit));

    expect(decisions.slice(0, 3)).toEqual([{ allowed: true }, { allowed: true }, { allowed: true }]);
    expect(decisions[3]).toEqual({ allowed: false, retryAfterSeconds: expect.any(Number) });
    expect((decisions[3] as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThanOrEqual(9);
  });

  it('keeps one item per key: the arrival time in ms and a TTL in epoch seconds shortly after it', async () => {
    const now = new Date('2026-05-01T00:00:00.000Z');
    const key = freshKey();

    await limiter(() => now).take(key, { rate: 2, periodSeconds: 1, burst: 5 });

    const { Item } = await documents.send(new GetCommand({ TableName: tableName, Key: rateLimitKey(key) }));
    expect(Item).toEqual({
      pk: `RATE#${key}`,
      sk: 'RATE',
      tat: now.getTime() + 500,
      expiresAt: Math.ceil((now.getTime() + 500) / 1000) + 60,
    });
  });

  it('lets two containers share one budget', async () => {
    const key = freshKey();
    const limit: RateLimit = { rate: 1, periodSeconds: 60, burst: 4 };
    const [first, second] = [limiter(), limiter()];

    const decisions = [];
    for (let i = 0; i < 3; i++) {
      decisions.push(await first.take(key, limit), await second.take(key, limit));
    }

    expect(decisions.filter((d) => d.allowed)).toHaveLength(4);
  });

  it('never lets concurrent takes exceed the burst', async () => {
    const key = freshKey();
    const limit: RateLimit = { rate: 1, periodSeconds: 3600, burst: 10 };
    const containers = Array.from({ length: 5 }, () => limiter());

    const decisions = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (containers[i % containers.length] ?? limiter()).take(key, limit)),
    );

    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => !d.allowed)).toHaveLength(20);
  });

  it('loses a conditional write to a take that got there first', async () => {
    const store = dynamoDbRateStateStore({ tableName, client: documents });
    const key = freshKey();
    const expiresAt = new Date(Date.now() + 60_000);

    expect(await store.write(key, 1_000, undefined, expiresAt)).toBe(true);
    expect(await store.write(key, 2_000, undefined, expiresAt)).toBe(false);
    expect(await store.write(key, 2_000, 1_500, expiresAt)).toBe(false);
    expect(await store.write(key, 2_000, 1_000, expiresAt)).toBe(true);
    expect(await store.read(key)).toBe(2_000);
  });

  it('starts afresh from an item whose time has passed (TTL deletes lazily, if at all)', async () => {
    const key = freshKey();
    const now = new Date('2026-05-01T00:00:00.000Z');
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...rateLimitKey(key), tat: now.getTime() - 3_600_000, expiresAt: 1 },
      }),
    );
    const limit: RateLimit = { rate: 1, periodSeconds: 60, burst: 2 };
    const rateLimiter = limiter(() => now);

    const decisions = [
      await rateLimiter.take(key, limit),
      await rateLimiter.take(key, limit),
      await rateLimiter.take(key, limit),
    ];

    expect(decisions.map((d) => d.allowed)).toEqual([true, true, false]);
  });
});
