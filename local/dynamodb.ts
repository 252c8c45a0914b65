/**
 * Local DynamoDB: dynalite (DynamoDB's JSON protocol on LevelDB, in-process) with tables created from
 * the synthesized stack, so local tables cannot drift from the deployed ones.
 *
 * What dynalite does not do, and so local DynamoDB does not either:
 * - TTL never deletes expired items. DynamoDB only promises deletion "within a few days" of expiry,
 *   so code must ignore expired items anyway; locally they simply stay until something deletes them.
 * - No transactions (`TransactWriteItems`/`TransactGetItems`), PartiQL, streams or backups; those
 *   calls fail with `UnknownOperationException`.
 * - Capacity is not enforced: no `ProvisionedThroughputExceededException`.
 * dynalite has no `UpdateTimeToLive` and always describes TTL as disabled, so this module answers both
 * TTL operations itself and keeps their settings beside the tables.
 */

import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  type GlobalSecondaryIndex,
  type KeySchemaElement,
  ListTablesCommand,
  type LocalSecondaryIndex,
  type Projection,
  type ProvisionedThroughput,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  waitUntilTableNotExists,
} from '@aws-sdk/client-dynamodb';
import { readBody } from './http-body.ts';
import { closeServer, listenLocal } from './listen.ts';
import type { CloudFormationTemplate } from './template.ts';

/** A running local DynamoDB. */
export interface RunningDynamoDb {
  /** `http://127.0.0.1:<port>`, for the SDK's `endpoint` or `AWS_ENDPOINT_URL_DYNAMODB`. */
  readonly url: string;
  stop(): Promise<void>;
}

type Dynalite = (options: {
  path?: string;
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;

// dynalite is CommonJS without type declarations.
const dynalite = createRequire(import.meta.url)('dynalite') as Dynalite;

interface TimeToLiveSetting {
  readonly AttributeName: string;
  readonly Enabled: boolean;
}

/** Starts local DynamoDB; tables persist under `dataDir` when given, else live in memory. */
export async function startDynamoDb(options: { dataDir?: string } = {}): Promise<RunningDynamoDb> {
  const ttlFile = options.dataDir ? join(options.dataDir, 'time-to-live.json') : undefined;
  const tablesDir = options.dataDir ? join(options.dataDir, 'tables') : undefined;
  if (tablesDir) await mkdir(tablesDir, { recursive: true });
  const ttl = new Map<string, TimeToLiveSetting>(
    ttlFile ? Object.entries(await readJson<Record<string, TimeToLiveSetting>>(ttlFile, {})) : [],
  );

  let url = '';
  // Tables become ACTIVE at once, as tests and start-up want, instead of after dynalite's 500 ms.
  const server = dynalite({ path: tablesDir, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynaliteHandler = server.listeners('request')[0] as RequestListener;
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1];
    if (operation !== 'UpdateTimeToLive' && operation !== 'DescribeTimeToLive') {
      dynaliteHandler(req, res);
      return;
    }
    timeToLive(operation, req, res).catch((error: unknown) => {
      console.error('local DynamoDB: TTL request failed', error);
      send(res, 500, {
        __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
        message: 'Internal error',
      });
    });
  });

  async function timeToLive(operation: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    let input: { TableName?: unknown; TimeToLiveSpecification?: Partial<TimeToLiveSetting> };
    try {
      input = JSON.parse((await readBody(req)).toString());
    } catch {
      return send(res, 400, { __type: 'com.amazon.coral.service#SerializationException' });
    }
    const tableName = String(input.TableName ?? '');
    const missing = await describeTableError(req, tableName);
    if (missing) return send(res, missing.status, missing.body);

    const current = ttl.get(tableName);
    if (operation === 'DescribeTimeToLive') {
      return send(res, 200, {
        TimeToLiveDescription: current?.Enabled
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: current.AttributeName }
          : { TimeToLiveStatus: 'DISABLED' },
      });
    }
    const spec = input.TimeToLiveSpecification;
    if (
      typeof spec?.AttributeName !== 'string' ||
      spec.AttributeName === '' ||
      typeof spec.Enabled !== 'boolean'
    ) {
      return send(res, 400, validation('TimeToLiveSpecification needs an AttributeName and Enabled'));
    }
    if (spec.Enabled && current?.Enabled) return send(res, 400, validation('TimeToLive is already enabled'));
    if (!spec.Enabled && !current?.Enabled)
      return send(res, 400, validation('TimeToLive is already disabled'));
    const setting = { AttributeName: spec.AttributeName, Enabled: spec.Enabled };
    ttl.set(tableName, setting);
    if (ttlFile) await writeFile(ttlFile, JSON.stringify(Object.fromEntries(ttl), null, 2));
    return send(res, 200, { TimeToLiveSpecification: setting });
  }

  /** Asks dynalite whether the table exists; its error answer when it does not. */
  async function describeTableError(req: IncomingMessage, tableName: string) {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'DynamoDB_20120810.DescribeTable',
        authorization: req.headers.authorization ?? '',
        'x-amz-date': String(req.headers['x-amz-date'] ?? ''),
      },
      body: JSON.stringify({ TableName: tableName }),
    });
    return response.ok ? undefined : { status: response.status, body: await response.json() };
  }

  url = await listenLocal(server);
  return {
    url,
    // dynalite's close also closes LevelDB, releasing its lock for the next start.
    stop: () => closeServer(server),
  };
}

/**
 * Creates every `AWS::DynamoDB::Table` and `AWS::DynamoDB::GlobalTable` of a synthesized template that
 * does not exist yet (name = the logical id), with key schema, attribute definitions, secondary indexes,
 * billing mode and TTL. Returns the names of the template's tables, existing ones included.
 */
export async function createTablesFromTemplate(
  endpoint: string,
  template: CloudFormationTemplate,
): Promise<string[]> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const existing = new Set<string>();
    let start: string | undefined;
    do {
      const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
      for (const name of page.TableNames ?? []) existing.add(name);
      start = page.LastEvaluatedTableName;
    } while (start);

    const waiter = { client, minDelay: 0.05, maxDelay: 1, maxWaitTime: 30 };
    const tables: string[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::DynamoDB::Table' && resource.Type !== 'AWS::DynamoDB::GlobalTable')
        continue;
      const properties = resource.Properties ?? {};
      const input = createTableInput(logicalId, resource.Type, properties);
      if (existing.has(logicalId)) {
        const { Table: table } = await client.send(new DescribeTableCommand({ TableName: logicalId }));
        // A table kept in the data directory from an older template: its items are connection and
        // rate-limit state that a restart ends anyway, so it is recreated with the template's shape.
        if (shape(table ?? {}) !== shape(input)) {
          console.warn(`local DynamoDB: ${logicalId} differs from the template's table; recreating it`);
          await client.send(new DeleteTableCommand({ TableName: logicalId }));
          await waitUntilTableNotExists(waiter, { TableName: logicalId });
          existing.delete(logicalId);
        }
      }
      if (!existing.has(logicalId)) {
        await client.send(new CreateTableCommand(input));
        // dynalite answers CREATING and flips the table to ACTIVE a moment later, as DynamoDB does.
        await waitUntilTableExists(waiter, { TableName: logicalId });
      }
      const wanted = properties.TimeToLiveSpecification as Partial<TimeToLiveSetting> | undefined;
      if (wanted?.Enabled && wanted.AttributeName) {
        const described = await client.send(new DescribeTimeToLiveCommand({ TableName: logicalId }));
        if (described.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: logicalId,
              TimeToLiveSpecification: { AttributeName: wanted.AttributeName, Enabled: true },
            }),
          );
        }
      }
      tables.push(logicalId);
    }
    return tables;
  } finally {
    client.destroy();
  }
}

/** A table's keys and indexes, comparable between a CreateTable input and a DescribeTable answer. */
function shape(table: {
  KeySchema?: KeySchemaElement[];
  GlobalSecondaryIndexes?: { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection }[];
  LocalSecondaryIndexes?: { IndexName?: string; KeySchema?: KeySchemaElement[]; Projection?: Projection }[];
}): string {
  const keys = (schema: KeySchemaElement[] = []) =>
    schema.map((key) => `${key.AttributeName}:${key.KeyType}`);
  const indexes = (list: NonNullable<typeof table.GlobalSecondaryIndexes> = []) =>
    list
      .map((index) => ({
        name: index.IndexName,
        keys: keys(index.KeySchema),
        projection: index.Projection?.ProjectionType,
        attributes: [...(index.Projection?.NonKeyAttributes ?? [])].sort(),
      }))
      .sort((a, b) => String(a.name).localeCompare(String(b.name)));
  return JSON.stringify({
    keys: keys(table.KeySchema),
    global: indexes(table.GlobalSecondaryIndexes),
    local: indexes(table.LocalSecondaryIndexes),
  });
}

interface IndexProperties {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: Projection;
  ProvisionedThroughput?: ProvisionedThroughput;
}

function createTableInput(
  tableName: string,
  type: string,
  properties: Record<string, unknown>,
): CreateTableCommandInput {
  const billingMode = (properties.BillingMode as string | undefined) ?? 'PROVISIONED';
  const provisioned = billingMode === 'PROVISIONED';
  const throughput = provisioned ? tableThroughput(type, properties) : undefined;
  const globalIndexes = properties.GlobalSecondaryIndexes as IndexProperties[] | undefined;
  const localIndexes = properties.LocalSecondaryIndexes as IndexProperties[] | undefined;
  return {
    TableName: tableName,
    AttributeDefinitions: properties.AttributeDefinitions as AttributeDefinition[],
    KeySchema: properties.KeySchema as KeySchemaElement[],
    BillingMode: billingMode as CreateTableCommandInput['BillingMode'],
    ...(throughput && { ProvisionedThroughput: throughput }),
    ...(globalIndexes && {
      GlobalSecondaryIndexes: globalIndexes.map(
        (index): GlobalSecondaryIndex => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
          Projection: index.Projection,
          ...(provisioned && { ProvisionedThroughput: index.ProvisionedThroughput ?? throughput }),
        }),
      ),
    }),
    ...(localIndexes && {
      LocalSecondaryIndexes: localIndexes.map(
        (index): LocalSecondaryIndex => ({
          IndexName: index.IndexName,
          KeySchema: index.KeySchema,
          Projection: index.Projection,
        }),
      ),
    }),
  };
}

/**
 * A table's capacity: `ProvisionedThroughput` for a table; for a global table, which configures
 * capacity per replica and with auto scaling, the first replica's reads and the minimum writes.
 */
function tableThroughput(type: string, properties: Record<string, unknown>): ProvisionedThroughput {
  if (type === 'AWS::DynamoDB::Table') {
    return (
      (properties.ProvisionedThroughput as ProvisionedThroughput | undefined) ?? {
        ReadCapacityUnits: 1,
        WriteCapacityUnits: 1,
      }
    );
  }
  const replicas = properties.Replicas as
    | Array<{ ReadProvisionedThroughputSettings?: { ReadCapacityUnits?: number } }>
    | undefined;
  const writes = properties.WriteProvisionedThroughputSettings as
    | { WriteCapacityAutoScalingSettings?: { MinCapacity?: number } }
    | undefined;
  return {
    ReadCapacityUnits: replicas?.[0]?.ReadProvisionedThroughputSettings?.ReadCapacityUnits ?? 1,
    WriteCapacityUnits: writes?.WriteCapacityAutoScalingSettings?.MinCapacity ?? 1,
  };
}

function validation(message: string) {
  return { __type: 'com.amazon.coral.validate#ValidationException', message };
}

/** Answers in DynamoDB's JSON protocol, checksum header included. */
function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amz-crc32': String(crc32(text)),
    'x-amzn-RequestId': randomUUID(),
  });
  res.end(text);
}

async function readJson<T>(file: string, fallback: T): Promise<T> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
    throw error;
  }
}
