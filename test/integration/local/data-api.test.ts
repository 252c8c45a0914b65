import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandInput,
  RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DataApiEmulator, type DataApiOptions, startDataApi } from '#local/data-api/server';
import { type PostgresServer, startPostgres } from '#local/postgres';

const CLUSTER_ARN = 'arn:aws:rds:us-east-1:123456789012:cluster:hiroba-test';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hiroba-test-AbCdEf';
const DATABASE = 'data_api_test';
const TARGET = { resourceArn: CLUSTER_ARN, secretArn: SECRET_ARN };

let dataDir: string;
let postgres: PostgresServer;
let api: DataApiEmulator;
let client: RDSDataClient;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hiroba-data-api-'));
  postgres = await startPostgres({ dataDir });
  await postgres.ensureDatabase(DATABASE);
  api = await startDataApi({
    postgres,
    clusterArn: CLUSTER_ARN,
    secretArn: SECRET_ARN,
    defaultDatabase: DATABASE,
  });
  client = sdkClient(api);
});

afterAll(async () => {
  client?.destroy();
  await api?.stop();
  await postgres?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function sdkClient(emulator: DataApiEmulator): RDSDataClient {
  return new RDSDataClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/** Runs a test against an emulator of its own (same PostgreSQL), e.g. with short time limits. */
async function withEmulator(options: Partial<DataApiOptions>, test: (own: RDSDataClient) => Promise<void>) {
  const emulator = await startDataApi({
    postgres,
    clusterArn: CLUSTER_ARN,
    secretArn: SECRET_ARN,
    defaultDatabase: DATABASE,
    ...options,
  });
  const own = sdkClient(emulator);
  try {
    await test(own);
  } finally {
    own.destroy();
    await emulator.stop();
  }
}

function execute(sql: string, input: Partial<ExecuteStatementCommandInput> = {}, via = client) {
  return via.send(new ExecuteStatementCommand({ ...TARGET, sql, ...input }));
}

const text = (name: string, value: string, typeHint?: SqlParameter['typeHint']): SqlParameter => ({
  name,
  value: { stringValue: value },
  typeHint,
});
const long = (name: string, value: number): SqlParameter => ({ name, value: { longValue: value } });

async function firstRow(sql: string, parameters: SqlParameter[] = []) {
  const { records } = await execute(sql, { parameters });
  return records?.[0];
}

async function beginTransaction(via = client): Promise<string> {
  const { transactionId } = await via.send(new BeginTransactionCommand(TARGET));
  if (!transactionId) throw new Error('BeginTransaction returned no transactionId');
  return transactionId;
}

async function countRows(table: string): Promise<number | undefined> {
  return (await firstRow(`SELECT count(*)::int FROM ${table}`))?.[0]?.longValue;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('ExecuteStatement', () => {
  it('returns each PostgreSQL type as the Data API types it', async () => {
    const row = await firstRow(`
      SELECT 1::int2, 2::int4, 9007199254740991::int8, 12.50::numeric(6, 2), 0.25::float4, 2.5::float8,
             true, 'text'::text, 'varchar'::varchar(10), 'c7b3b8a4-2f4e-4c8a-9d5e-0e1f2a3b4c5d'::uuid,
             '{"a": 1}'::json, '{"b": 2}'::jsonb, '2024-02-29'::date, '2024-02-29 13:14:15.5'::timestamp,
             '\\x0001ff'::bytea, NULL::text, ARRAY[1, NULL, 3]::int4[], ARRAY['a', 'b "c"'],
             ARRAY[true, false], ARRAY[1.5, 2.5]::float8[]`);

    expect(row).toEqual([
      { longValue: 1 },
      { longValue: 2 },
      { longValue: 9007199254740991 },
      { stringValue: '12.50' },
      { doubleValue: 0.25 },
      { doubleValue: 2.5 },
      { booleanValue: true },
      { stringValue: 'text' },
      { stringValue: 'varchar' },
      { stringValue: 'c7b3b8a4-2f4e-4c8a-9d5e-0e1f2a3b4c5d' },
      { stringValue: '{"a": 1}' },
      { stringValue: '{"b": 2}' },
      { stringValue: '2024-02-29' },
      { stringValue: '2024-02-29 13:14:15.5' },
      { blobValue: new Uint8Array([0, 1, 255]) },
      { isNull: true },
      { arrayValue: { longValues: [1, null, 3] } },
      { arrayValue: { stringValues: ['a', 'b "c"'] } },
      { arrayValue: { booleanValues: [true, false] } },
      { arrayValue: { doubleValues: [1.5, 2.5] } },
    ]);
  });

  it('returns timestamptz in UTC without an offset, in records and in formattedRecords alike', async () => {
    const transactionId = await beginTransaction();
    // A session time zone other than UTC must not leak into the answer.
    await execute("SET LOCAL TIME ZONE 'Asia/Tokyo'", { transactionId });
    const sql =
      "SELECT '2021-03-10 22:41:04.123456+02'::timestamptz AS at, '2021-03-10 00:00:00+00'::timestamptz AS midnight";

    const { records } = await execute(sql, { transactionId });
    const { formattedRecords } = await execute(sql, { transactionId, formatRecordsAs: 'JSON' });
    await client.send(new RollbackTransactionCommand({ ...TARGET, transactionId }));

    expect(records).toEqual([
      [{ stringValue: '2021-03-10 20:41:04.123456' }, { stringValue: '2021-03-10 00:00:00' }],
    ]);
    expect(JSON.parse(formattedRecords ?? '')).toEqual([
      { at: '2021-03-10 20:41:04.123456', midnight: '2021-03-10 00:00:00' },
    ]);
  });

  it('answers formattedRecords as a JSON string, and no records, when formatRecordsAs is JSON', async () => {
    const response = await execute(
      "SELECT 1 AS id, 'Ada' AS name, 2.5::float8 AS score, true AS admin, NULL AS missing, ARRAY[1, 2] AS tags",
      { formatRecordsAs: 'JSON', includeResultMetadata: true },
    );

    expect(response.records).toBeUndefined();
    expect(response.columnMetadata).toBeUndefined();
    expect(JSON.parse(response.formattedRecords ?? '')).toEqual([
      { id: 1, name: 'Ada', score: 2.5, admin: true, missing: null, tags: [1, 2] },
    ]);
  });

  it('describes the result columns when includeResultMetadata is set', async () => {
    await execute(
      'CREATE TABLE metadata_probe (id serial PRIMARY KEY, title varchar(80) NOT NULL, price numeric(10, 2))',
    );

    const { columnMetadata, records } = await execute('SELECT id, title, price AS cost FROM metadata_probe', {
      includeResultMetadata: true,
    });

    expect(records).toEqual([]);
    expect(columnMetadata).toEqual([
      expect.objectContaining({
        name: 'id',
        typeName: 'serial',
        type: 4,
        tableName: 'metadata_probe',
        schemaName: 'public',
        isAutoIncrement: true,
        nullable: 0,
      }),
      expect.objectContaining({ name: 'title', typeName: 'varchar', type: 12, precision: 80, nullable: 0 }),
      expect.objectContaining({
        name: 'cost',
        label: 'cost',
        typeName: 'numeric',
        precision: 10,
        scale: 2,
        nullable: 1,
      }),
    ]);
  });

  it('reports numberOfRecordsUpdated and empty generatedFields for writes', async () => {
    await execute('CREATE TABLE counted (id int8 PRIMARY KEY)');

    const inserted = await execute('INSERT INTO counted VALUES (1), (2), (3)');
    const updated = await execute('UPDATE counted SET id = id + 10 WHERE id > :min', {
      parameters: [long('min', 1)],
    });

    expect(inserted).toMatchObject({ numberOfRecordsUpdated: 3, generatedFields: [] });
    expect(inserted.records).toBeUndefined();
    expect(updated.numberOfRecordsUpdated).toBe(2);
  });

  it('binds stringValue as varchar, so a uuid comparison needs a UUID typeHint', async () => {
    await execute('CREATE TABLE tagged (id uuid PRIMARY KEY)');
    await execute("INSERT INTO tagged VALUES ('0b9f3a52-64a4-4b0e-8a3c-7d2b8f1e6c10')");
    const id = '0b9f3a52-64a4-4b0e-8a3c-7d2b8f1e6c10';

    await expect(firstRow('SELECT id FROM tagged WHERE id = :id', [text('id', id)])).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringMatching(
        /^ERROR: operator does not exist: uuid = character varying\n.*SQLState: 42883$/s,
      ),
    });
    expect(await firstRow('SELECT id FROM tagged WHERE id = :id', [text('id', id, 'UUID')])).toEqual([
      { stringValue: id },
    ]);
  });

  it('binds longValue, doubleValue, booleanValue, blobValue and isNull with types of their own', async () => {
    const row = await firstRow(
      'SELECT pg_typeof(:long)::text, pg_typeof(:double)::text, pg_typeof(:flag)::text, pg_typeof(:blob)::text, :blob, :nothing::int4 IS NULL',
      [
        long('long', 42),
        { name: 'double', value: { doubleValue: 1.5 } },
        { name: 'flag', value: { booleanValue: true } },
        { name: 'blob', value: { blobValue: new Uint8Array([7, 8, 9]) } },
        { name: 'nothing', value: { isNull: true } },
      ],
    );

    expect(row).toEqual([
      { stringValue: 'bigint' },
      { stringValue: 'double precision' },
      { stringValue: 'boolean' },
      { stringValue: 'bytea' },
      { blobValue: new Uint8Array([7, 8, 9]) },
      { booleanValue: true },
    ]);
  });

  it('reads and writes 64-bit integers beyond 2^53 exactly, as clients that parse JSON exactly see them', async () => {
    // The JavaScript SDK itself rounds such numbers when it parses JSON; boto3 and the AWS CLI do not.
    // So this speaks the wire protocol directly and reads the answer's text.
    const response = await fetch(`${api.url}/Execute`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"resourceArn": "${CLUSTER_ARN}", "secretArn": "${SECRET_ARN}", "database": "${DATABASE}",
        "sql": "SELECT :big::text, :big + 0, ARRAY[-9223372036854775808, 1]::int8[], 12345678901234567890::numeric",
        "resultSetOptions": {"decimalReturnType": "DOUBLE_OR_LONG"},
        "parameters": [{"name": "big", "value": {"longValue": 9223372036854775807}}]}`,
    });
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain(
      '[{"stringValue":"9223372036854775807"},{"longValue":9223372036854775807},' +
        '{"arrayValue":{"longValues":[-9223372036854775808,1]}},{"longValue":12345678901234567890}]',
    );
  });

  it('writes 64-bit integers exactly in formattedRecords too', async () => {
    const { formattedRecords } = await execute('SELECT 9007199254740993::int8 AS big', {
      formatRecordsAs: 'JSON',
    });

    expect(formattedRecords).toBe('[{"big":9007199254740993}]');
  });

  it('binds a stringValue as the type its typeHint names', async () => {
    const row = await firstRow(
      'SELECT pg_typeof(:d)::text, pg_typeof(:t)::text, pg_typeof(:ts)::text, pg_typeof(:n)::text, pg_typeof(:j)::text, pg_typeof(:u)::text, :n',
      [
        text('d', '2024-02-29', 'DATE'),
        text('t', '13:14:15.123', 'TIME'),
        text('ts', '2024-02-29 13:14:15.123', 'TIMESTAMP'),
        text('n', '12.345', 'DECIMAL'),
        text('j', '{"a": [1]}', 'JSON'),
        text('u', '0b9f3a52-64a4-4b0e-8a3c-7d2b8f1e6c10', 'UUID'),
      ],
    );

    expect(row).toEqual([
      { stringValue: 'date' },
      { stringValue: 'time without time zone' },
      { stringValue: 'timestamp without time zone' },
      { stringValue: 'numeric' },
      { stringValue: 'json' },
      { stringValue: 'uuid' },
      { stringValue: '12.345' },
    ]);
  });

  it('rejects a TIMESTAMP typeHint value in ISO 8601 form, as AWS does', async () => {
    const iso = text('at', '2024-02-29T13:14:15.123Z', 'TIMESTAMP');

    await expect(firstRow('SELECT :at', [iso])).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringContaining('Parse Error for TimeStamp'),
    });
  });

  it('leaves :name alone inside literals, quoted identifiers, comments, casts and dollar-quoted strings', async () => {
    const parameters = [text('real', 'bound'), text('skip', 'WRONG')];

    const row = await firstRow(
      `SELECT ':skip' AS "a:skip", E'\\':skip' AS escaped, $$ :skip $$ AS dollar, $tag$:skip$tag$ AS tagged,
              '1'::int4 AS cast, :real::text AS bound -- :skip
              /* :skip /* :skip */ */`,
      parameters,
    );

    expect(row).toEqual([
      { stringValue: ':skip' },
      { stringValue: "':skip" },
      { stringValue: ' :skip ' },
      { stringValue: ':skip' },
      { longValue: 1 },
      { stringValue: 'bound' },
    ]);
  });

  it('binds only :name parameters: a positional $1 is not a parameter', async () => {
    await expect(firstRow('SELECT $1', [long('1', 1)])).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: 'ERROR: there is no parameter $1; Position: 8; SQLState: 42P02',
    });
  });

  it('refuses several statements in one call with ValidationException, but accepts a trailing semicolon', async () => {
    await expect(execute('SELECT 1; SELECT 2')).rejects.toMatchObject({
      name: 'ValidationException',
      message: "Multistatements aren't supported.",
      $metadata: { httpStatusCode: 400 },
    });
    expect(await firstRow("SELECT ';' AS semicolon; -- done")).toEqual([{ stringValue: ';' }]);
  });

  it("reports SQL errors as DatabaseErrorException with PostgreSQL's message, position in the caller's SQL and SQLState", async () => {
    await expect(firstRow('SELECT :value FROM missing_table', [text('value', 'x')])).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: 'ERROR: relation "missing_table" does not exist; Position: 20; SQLState: 42P01',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('tells a unique violation apart by its SQLState, constraint name and detail', async () => {
    await execute('CREATE TABLE handles (name text CONSTRAINT handles_name_key UNIQUE)');
    await execute('INSERT INTO handles VALUES (:name)', { parameters: [text('name', 'ada')] });

    await expect(
      execute('INSERT INTO handles VALUES (:name)', { parameters: [text('name', 'ada')] }),
    ).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message:
        'ERROR: duplicate key value violates unique constraint "handles_name_key"\n' +
        '  Detail: Key (name)=(ada) already exists.; SQLState: 23505',
    });
  });

  it('fails a response over 1 MiB with the Data API error', async () => {
    const sql = "SELECT repeat('x', 600000) FROM generate_series(1, :rows)";

    expect(await firstRow(sql, [long('rows', 1)])).toHaveLength(1);
    await expect(firstRow(sql, [long('rows', 2)])).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: 'Database returned more than the allowed response size limit',
    });
  });

  it('refuses result types the Data API cannot return with UnsupportedResultException', async () => {
    await expect(firstRow('SELECT 12.5::money')).rejects.toMatchObject({
      name: 'UnsupportedResultException',
      message: 'The result contains the unsupported data type money.',
    });
    expect(await firstRow('SELECT 12.5::money::text')).toEqual([{ stringValue: '$12.50' }]);
  });

  it('refuses multidimensional arrays with UnsupportedResultException', async () => {
    await expect(firstRow('SELECT ARRAY[[1, 2], [3, 4]]')).rejects.toMatchObject({
      name: 'UnsupportedResultException',
      message: 'The result contains a multidimensional array.',
    });
  });

  it('returns DECIMAL and LONG values as resultSetOptions ask', async () => {
    const { records } = await execute('SELECT 12.5::numeric, 12::numeric, 9007199254740993::int8', {
      resultSetOptions: { decimalReturnType: 'DOUBLE_OR_LONG', longReturnType: 'STRING' },
    });

    expect(records).toEqual([
      [{ doubleValue: 12.5 }, { longValue: 12 }, { stringValue: '9007199254740993' }],
    ]);
  });

  it('rejects the schema parameter, as Aurora Serverless v2 does', async () => {
    await expect(execute('SELECT 1', { schema: 'public' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: "The schema parameter isn't supported",
    });
  });

  it('rejects an unknown cluster ARN and an unknown secret ARN as AWS does', async () => {
    const otherCluster = 'arn:aws:rds:us-east-1:123456789012:cluster:elsewhere';

    await expect(execute('SELECT 1', { resourceArn: otherCluster })).rejects.toMatchObject({
      name: 'HttpEndpointNotEnabledException',
      message: `HttpEndpoint is not enabled for resource ${otherCluster}`,
      $metadata: { httpStatusCode: 400 },
    });
    await expect(execute('SELECT 1', { secretArn: `${SECRET_ARN}-other` })).rejects.toMatchObject({
      name: 'SecretsErrorException',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('runs the statement in the database the call names', async () => {
    await postgres.ensureDatabase('data_api_other');

    const { records } = await execute('SELECT current_database()', { database: 'data_api_other' });

    expect(records).toEqual([[{ stringValue: 'data_api_other' }]]);
    await expect(execute('SELECT 1', { database: 'no_such_database' })).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: 'FATAL: database "no_such_database" does not exist; SQLState: 3D000',
    });
  });
});

describe('statement timeout', () => {
  it('cuts a statement at the timeout with StatementTimeoutException and cancels it', async () => {
    await withEmulator({ statementTimeoutMs: 300 }, async (own) => {
      const started = Date.now();

      await expect(execute('SELECT pg_sleep(30), 1 AS cut_probe', {}, own)).rejects.toMatchObject({
        name: 'StatementTimeoutException',
        dbConnectionId: expect.any(Number),
      });

      expect(Date.now() - started).toBeLessThan(10_000);
      await eventually(async () => {
        const running = await firstRow(
          "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%cut_probe%' AND pid <> pg_backend_pid()",
        );
        return running?.[0]?.longValue === 0;
      });
    });
  });

  it('keeps the statement running after the timeout when continueAfterTimeout is set', async () => {
    await withEmulator({ statementTimeoutMs: 300 }, async (own) => {
      await expect(
        execute(
          'CREATE TABLE finished_late AS SELECT 1 AS done FROM pg_sleep(1)',
          { continueAfterTimeout: true },
          own,
        ),
      ).rejects.toMatchObject({ name: 'StatementTimeoutException' });

      await eventually(
        async () =>
          (await firstRow("SELECT to_regclass('finished_late') IS NOT NULL"))?.[0]?.booleanValue === true,
      );
    });
  });
});

describe('BatchExecuteStatement', () => {
  it('runs the statement once per parameter set and answers one updateResult each', async () => {
    await execute('CREATE TABLE batch_rows (id int8 PRIMARY KEY, label text)');

    const { updateResults } = await client.send(
      new BatchExecuteStatementCommand({
        ...TARGET,
        sql: 'INSERT INTO batch_rows VALUES (:id, :label)',
        parameterSets: [
          [long('id', 1), text('label', 'one')],
          [long('id', 2), text('label', 'two')],
        ],
      }),
    );

    expect(updateResults).toEqual([{ generatedFields: [] }, { generatedFields: [] }]);
    expect(await countRows('batch_rows')).toBe(2);
  });

  it('writes nothing when one parameter set fails', async () => {
    await execute('CREATE TABLE batch_atomic (id int8 PRIMARY KEY)');

    await expect(
      client.send(
        new BatchExecuteStatementCommand({
          ...TARGET,
          sql: 'INSERT INTO batch_atomic VALUES (:id)',
          parameterSets: [[long('id', 1)], [long('id', 1)]],
        }),
      ),
    ).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: expect.stringContaining('SQLState: 23505'),
    });
    expect(await countRows('batch_atomic')).toBe(0);
  });
});

describe('transactions', () => {
  it('keeps writes invisible to other calls until CommitTransaction answers "Transaction Committed"', async () => {
    await execute('CREATE TABLE committed_rows (id int8)');
    const transactionId = await beginTransaction();

    await execute('INSERT INTO committed_rows VALUES (1)', { transactionId });
    const before = await countRows('committed_rows');
    const { transactionStatus } = await client.send(
      new CommitTransactionCommand({ ...TARGET, transactionId }),
    );

    expect(before).toBe(0);
    expect(transactionStatus).toBe('Transaction Committed');
    expect(await countRows('committed_rows')).toBe(1);
  });

  it('discards writes on RollbackTransaction, which answers "Rollback Complete"', async () => {
    await execute('CREATE TABLE rolled_back_rows (id int8)');
    const transactionId = await beginTransaction();
    await execute('INSERT INTO rolled_back_rows VALUES (1)', { transactionId });

    const { transactionStatus } = await client.send(
      new RollbackTransactionCommand({ ...TARGET, transactionId }),
    );

    expect(transactionStatus).toBe('Rollback Complete');
    expect(await countRows('rolled_back_rows')).toBe(0);
  });

  it('answers TransactionNotFoundException for an unknown or finished transaction id', async () => {
    const transactionId = await beginTransaction();
    await client.send(new CommitTransactionCommand({ ...TARGET, transactionId }));

    await expect(execute('SELECT 1', { transactionId })).rejects.toMatchObject({
      name: 'TransactionNotFoundException',
      message: `Transaction ${transactionId} is not found`,
      $metadata: { httpStatusCode: 404 },
    });
    await expect(
      client.send(new RollbackTransactionCommand({ ...TARGET, transactionId: 'not-a-transaction' })),
    ).rejects.toMatchObject({ name: 'TransactionNotFoundException' });
  });

  it('aborts the transaction on a SQL error, after which its id is not found and its writes are gone', async () => {
    await execute('CREATE TABLE aborted_rows (id int8 PRIMARY KEY)');
    const transactionId = await beginTransaction();
    await execute('INSERT INTO aborted_rows VALUES (1)', { transactionId });

    await expect(execute('INSERT INTO aborted_rows VALUES (1)', { transactionId })).rejects.toMatchObject({
      name: 'DatabaseErrorException',
    });
    await expect(
      client.send(new CommitTransactionCommand({ ...TARGET, transactionId })),
    ).rejects.toMatchObject({
      name: 'TransactionNotFoundException',
    });
    expect(await countRows('aborted_rows')).toBe(0);
  });

  it('refuses a second call while the transaction is still running a query', async () => {
    const transactionId = await beginTransaction();

    const slow = execute('SELECT pg_sleep(1) AS busy_probe', { transactionId });
    const busy =
      "SELECT count(*)::int FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%AS busy_probe'";
    await eventually(async () => (await firstRow(busy))?.[0]?.longValue === 1);
    await expect(execute('SELECT 1', { transactionId })).rejects.toMatchObject({
      name: 'DatabaseErrorException',
      message: 'Transaction is still running a query',
    });
    await slow;
    await client.send(new RollbackTransactionCommand({ ...TARGET, transactionId }));
  });

  it('rolls back a transaction left idle past the limit', async () => {
    await execute('CREATE TABLE abandoned_rows (id int8)');
    await withEmulator({ transactionIdleTimeoutMs: 300 }, async (own) => {
      const transactionId = await beginTransaction(own);
      await execute('INSERT INTO abandoned_rows VALUES (1)', { transactionId }, own);

      await new Promise((resolve) => setTimeout(resolve, 700));

      await expect(
        own.send(new CommitTransactionCommand({ ...TARGET, transactionId })),
      ).rejects.toMatchObject({
        name: 'TransactionNotFoundException',
      });
      expect(await countRows('abandoned_rows')).toBe(0);
    });
  });

  it('runs BatchExecuteStatement inside the caller transaction', async () => {
    await execute('CREATE TABLE batch_in_transaction (id int8)');
    const transactionId = await beginTransaction();

    await client.send(
      new BatchExecuteStatementCommand({
        ...TARGET,
        transactionId,
        sql: 'INSERT INTO batch_in_transaction VALUES (:id)',
        parameterSets: [[long('id', 1)], [long('id', 2)]],
      }),
    );
    const inside = await execute('SELECT count(*)::int FROM batch_in_transaction', { transactionId });
    await client.send(new RollbackTransactionCommand({ ...TARGET, transactionId }));

    expect(inside.records).toEqual([[{ longValue: 2 }]]);
    expect(await countRows('batch_in_transaction')).toBe(0);
  });
});

describe('pauseFor', () => {
  it('answers DatabaseResumingException to every call until the pause is over', async () => {
    api.pauseFor(1_000);

    await expect(execute('SELECT 1')).rejects.toMatchObject({
      name: 'DatabaseResumingException',
      message: expect.stringContaining(
        'is resuming after being auto-paused. Please wait a few seconds and try again.',
      ),
      $metadata: { httpStatusCode: 400 },
    });
    await expect(client.send(new BeginTransactionCommand(TARGET))).rejects.toMatchObject({
      name: 'DatabaseResumingException',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await firstRow('SELECT 1')).toEqual([{ longValue: 1 }]);
  });
});
