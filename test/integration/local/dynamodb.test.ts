import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTablesFromTemplate, startDynamoDb } from '../../../local/dynamodb.ts';
import type { CloudFormationTemplate } from '../../../local/template.ts';

/** A hand-written fragment in the shape `cdk synth` writes, both table types included. */
const template: CloudFormationTemplate = {
  Resources: {
    ConnectionsTable8000B8A1: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'channelId', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        GlobalSecondaryIndexes: [
          {
            IndexName: 'byChannel',
            KeySchema: [
              { AttributeName: 'channelId', KeyType: 'HASH' },
              { AttributeName: 'pk', KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      },
    },
    PresenceGlobalTable3C5D2E1F: {
      Type: 'AWS::DynamoDB::GlobalTable',
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        Replicas: [{ Region: 'us-east-1' }],
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      },
    },
    CountersTable9A8B7C6D: {
      Type: 'AWS::DynamoDB::Table',
      Properties: {
        KeySchema: [{ AttributeName: 'name', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'name', AttributeType: 'S' }],
        ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 4 },
      },
    },
    UnrelatedTopic: { Type: 'AWS::SNS::Topic' },
  },
};

const client = (endpoint: string) =>
  new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });

describe('local DynamoDB', () => {
  let dynamo: Awaited<ReturnType<typeof startDynamoDb>>;
  let db: DynamoDBClient;
  let tables: string[];

  beforeAll(async () => {
    dynamo = await startDynamoDb();
    db = client(dynamo.url);
    tables = await createTablesFromTemplate(dynamo.url, template);
  });

  afterAll(async () => {
    db.destroy();
    await dynamo.stop();
  });

  it('creates every table of the template, named by its logical id', () => {
    expect(tables).toEqual([
      'ConnectionsTable8000B8A1',
      'PresenceGlobalTable3C5D2E1F',
      'CountersTable9A8B7C6D',
    ]);
  });

  it('gives a table its key schema, billing mode and secondary index, ACTIVE at once', async () => {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: 'ConnectionsTable8000B8A1' }));

    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(Table?.GlobalSecondaryIndexes?.map((index) => [index.IndexName, index.KeySchema])).toEqual([
      [
        'byChannel',
        [
          { AttributeName: 'channelId', KeyType: 'HASH' },
          { AttributeName: 'pk', KeyType: 'RANGE' },
        ],
      ],
    ]);
  });

  it('gives a provisioned table its capacity', async () => {
    const { Table } = await db.send(new DescribeTableCommand({ TableName: 'CountersTable9A8B7C6D' }));

    expect(Table?.ProvisionedThroughput).toMatchObject({ ReadCapacityUnits: 3, WriteCapacityUnits: 4 });
  });

  it('turns on TTL as the template asks, for both table types', async () => {
    const table = await db.send(new DescribeTimeToLiveCommand({ TableName: 'ConnectionsTable8000B8A1' }));
    const global = await db.send(new DescribeTimeToLiveCommand({ TableName: 'PresenceGlobalTable3C5D2E1F' }));
    const none = await db.send(new DescribeTimeToLiveCommand({ TableName: 'CountersTable9A8B7C6D' }));

    expect(table.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiresAt' });
    expect(global.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'ttl' });
    expect(none.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
  });

  it('refuses TTL changes on a table that does not exist, as DynamoDB does', async () => {
    await expect(
      db.send(
        new UpdateTimeToLiveCommand({
          TableName: 'NoSuchTable',
          TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
        }),
      ),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('answers queries on a secondary index through the real client', async () => {
    const TableName = 'ConnectionsTable8000B8A1';
    for (const [pk, channelId] of [
      ['conn#1', 'general'],
      ['conn#2', 'general'],
      ['conn#3', 'random'],
    ] as const) {
      await db.send(
        new PutItemCommand({
          TableName,
          Item: { pk: { S: pk }, sk: { S: 'meta' }, channelId: { S: channelId } },
        }),
      );
    }

    const result = await db.send(
      new QueryCommand({
        TableName,
        IndexName: 'byChannel',
        KeyConditionExpression: 'channelId = :channel',
        ExpressionAttributeValues: { ':channel': { S: 'general' } },
      }),
    );

    expect(result.Items?.map((item) => item.pk?.S)).toEqual(['conn#1', 'conn#2']);
  });

  it('leaves existing tables alone when called again', async () => {
    await db.send(
      new PutItemCommand({
        TableName: 'CountersTable9A8B7C6D',
        Item: { name: { S: 'kept' }, n: { N: '1' } },
      }),
    );

    const again = await createTablesFromTemplate(dynamo.url, template);
    const item = await db.send(
      new GetItemCommand({ TableName: 'CountersTable9A8B7C6D', Key: { name: { S: 'kept' } } }),
    );

    expect(again).toEqual(tables);
    expect(item.Item?.n?.N).toBe('1');
  });

  it('recreates a kept table whose keys or indexes no longer match the template', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hiroba-dynamodb-'));
    const older: CloudFormationTemplate = structuredClone(template);
    const connections = older.Resources.ConnectionsTable8000B8A1?.Properties ?? {};
    delete connections.GlobalSecondaryIndexes;
    connections.AttributeDefinitions = (
      connections.AttributeDefinitions as { AttributeName: string }[]
    ).filter((attribute) => attribute.AttributeName !== 'channelId');
    try {
      const first = await startDynamoDb({ dataDir });
      await createTablesFromTemplate(first.url, older);
      const writer = client(first.url);
      await writer.send(
        new PutItemCommand({ TableName: 'CountersTable9A8B7C6D', Item: { name: { S: 'kept' } } }),
      );
      writer.destroy();
      await first.stop();

      const second = await startDynamoDb({ dataDir });
      await createTablesFromTemplate(second.url, template);
      const reader = client(second.url);
      const { Table } = await reader.send(
        new DescribeTableCommand({ TableName: 'ConnectionsTable8000B8A1' }),
      );
      const counter = await reader.send(
        new GetItemCommand({ TableName: 'CountersTable9A8B7C6D', Key: { name: { S: 'kept' } } }),
      );
      reader.destroy();
      await second.stop();

      expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['byChannel']);
      expect(counter.Item?.name?.S).toBe('kept');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps tables, items and TTL settings in its data directory across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'hiroba-dynamodb-'));
    try {
      const first = await startDynamoDb({ dataDir });
      await createTablesFromTemplate(first.url, template);
      const writer = client(first.url);
      await writer.send(
        new PutItemCommand({ TableName: 'CountersTable9A8B7C6D', Item: { name: { S: 'persisted' } } }),
      );
      writer.destroy();
      await first.stop();

      const second = await startDynamoDb({ dataDir });
      const reader = client(second.url);
      const item = await reader.send(
        new GetItemCommand({ TableName: 'CountersTable9A8B7C6D', Key: { name: { S: 'persisted' } } }),
      );
      const ttl = await reader.send(new DescribeTimeToLiveCommand({ TableName: 'ConnectionsTable8000B8A1' }));
      reader.destroy();
      await second.stop();

      expect(item.Item?.name?.S).toBe('persisted');
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
