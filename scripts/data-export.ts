/**
 * A logical export and import of hiroba's database through the RDS Data API, as JSON Lines: a header,
 * then one record per row, `{"type": "<kind>", "row": {<column>: <value>, ...}}`.
 *
 * Rows are copied column by column as PostgreSQL's `to_jsonb` writes them, so a column a migration adds
 * travels without changes here; only the tables, their order and their keys are listed (`tables`).
 * What is not exported: `schema_migrations` and its lock (the target applies its own migrations), the
 * image objects themselves (they stay in the versioned media bucket), and anything in DynamoDB.
 */
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createDataApi, type DataApi, type SqlRunner } from '#adapters/data-api';

/** One exported table: its record type, and the key its rows are ordered and paged by. */
interface Table {
  type: string;
  table: string;
  /** Key columns with their PostgreSQL types, the order of the export and the import's conflict target. */
  key: readonly (readonly [column: string, type: string])[];
}

/**
 * Every exported table, parents before children, so the import satisfies each foreign key as it goes.
 * `api_keys` is included: a key's row holds only the SHA-256 of a 256-bit random secret (never the key),
 * and without it every bot would need a new key after a restore. `--without-api-keys` leaves it out.
 */
export const tables: readonly Table[] = [
  { type: 'user', table: 'users', key: [['id', 'text']] },
  { type: 'channel', table: 'channels', key: [['id', 'uuid']] },
  {
    type: 'member',
    table: 'channel_members',
    key: [
      ['channel_id', 'uuid'],
      ['user_id', 'text'],
    ],
  },
  {
    type: 'message',
    table: 'messages',
    key: [
      ['channel_id', 'uuid'],
      ['seq', 'bigint'],
    ],
  },
  { type: 'upload', table: 'uploads', key: [['id', 'uuid']] },
  { type: 'api_key', table: 'api_keys', key: [['id', 'uuid']] },
];

export const exportFormat = 'hiroba-export';
export const exportVersion = 1;

/**
 * Rows per page are cut once their JSON passes this many bytes. The Data API's response (at most 1 MiB)
 * carries each row's JSON as an escaped string, which can double it (quotes, non-ASCII as `\u` escapes).
 */
const pageBudgetBytes = 300_000;
const pageRows = 1000;
/** Rows of one table inserted by one statement, and their JSON's size at most. */
const batchRows = 500;
const batchBudgetBytes = 200_000;

export interface Target {
  clusterArn: string;
  secretArn: string;
  database: string;
}

/** A Data API client for `target`; region, endpoint and credentials come from the usual AWS settings. */
export function connect(target: Target, client = new RDSDataClient({})): { db: DataApi; close(): void } {
  return { db: createDataApi({ ...target, client }), close: () => client.destroy() };
}

export interface Header {
  type: 'header';
  format: typeof exportFormat;
  version: number;
  exportedAt: string;
  /** The migrations applied to the exported database: the import needs all of them applied. */
  migrations: string[];
}

export interface ExportOptions {
  withoutApiKeys?: boolean;
  /** Rows per Data API call at most (1000 by default); the 1 MiB budget may cut a page shorter. */
  pageRows?: number;
}

/** The export, line by line (each without its newline). */
export async function* exportLines(db: SqlRunner, options: ExportOptions = {}): AsyncGenerator<string> {
  const migrations = await appliedMigrations(db);
  const header: Header = {
    type: 'header',
    format: exportFormat,
    version: exportVersion,
    exportedAt: new Date().toISOString(),
    migrations,
  };
  yield JSON.stringify(header);
  for (const table of tables) {
    if (options.withoutApiKeys && table.type === 'api_key') continue;
    // The row is written as PostgreSQL's JSON text, untouched: bigints stay exact.
    for await (const row of readTable(db, table, options.pageRows ?? pageRows))
      yield `{"type":${JSON.stringify(table.type)},"row":${row}}`;
  }
}

async function appliedMigrations(db: SqlRunner): Promise<string[]> {
  const rows = await db.query<{ name: string }>('select name from schema_migrations order by name');
  return rows.map((row) => row.name);
}

/** A table's rows as JSON text, in key order, paged by key and by size. */
async function* readTable(db: SqlRunner, { table, key }: Table, limit: number): AsyncGenerator<string> {
  const order = key.map(([column]) => `t.${column}`).join(', ');
  const keyText = key.map(([column], i) => `t.${column}::text as k${i}`).join(', ');
  const after = `(${order}) > (${key.map(([, type], i) => `:k${i}::${type}`).join(', ')})`;
  const pageOrder = key.map((_, i) => `o${i}`).join(', ');
  const keyOrder = key.map(([column], i) => `t.${column} as o${i}`).join(', ');
  let last: Record<string, string> | undefined;
  for (;;) {
    const rows = await db.query<Record<string, string>>(
      `select row, ${key.map((_, i) => `k${i}`).join(', ')}
         from (select page.*, sum(octet_length(row)) over (order by ${pageOrder} rows unbounded preceding) as running
                 from (select to_jsonb(t)::text as row, ${keyText}, ${keyOrder}
                         from ${table} t
                        ${last ? `where ${after}` : ''}
                        order by ${order}
                        limit ${limit}) page) sized
        where running - octet_length(row) < :budget
        order by ${pageOrder}`,
      { ...(last ?? {}), budget: pageBudgetBytes },
    );
    for (const row of rows) yield row.row as string;
    const end = rows.at(-1);
    if (!end) return;
    last = Object.fromEntries(key.map((_, i) => [`k${i}`, end[`k${i}`] as string]));
  }
}

export interface ImportResult {
  /** Rows read from the file, per type. */
  read: Record<string, number>;
  /** Rows inserted, per type (rows already present are skipped). */
  inserted: Record<string, number>;
}

/**
 * Imports an export in one transaction: all of it or nothing. Rows whose key is already present are
 * left as they are, so importing the same file twice changes nothing. A fresh install's empty seed
 * channels (`general`, `random`) give way to the exported channels of the same name.
 */
export async function importLines(db: DataApi, lines: AsyncIterable<string>): Promise<ImportResult> {
  const byType = new Map(tables.map((table) => [table.type, table]));
  const rows = new Map<string, string[]>(tables.map((table) => [table.type, []]));
  let header: Header | undefined;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    const record = JSON.parse(line) as { type?: string; row?: unknown };
    if (!header) {
      if (record.type !== 'header' || (record as Header).format !== exportFormat) {
        throw new Error('not a hiroba export: the first line is not its header');
      }
      header = record as Header;
      if (header.version !== exportVersion) throw new Error(`unknown export version ${header.version}`);
      continue;
    }
    const list = rows.get(record.type ?? '');
    if (!list || typeof record.row !== 'object' || record.row === null) {
      throw new Error(`line ${lineNumber}: unknown record type ${JSON.stringify(record.type)}`);
    }
    list.push(rowText(line, record.type as string, record.row));
  }
  if (!header) throw new Error('the export is empty');

  const applied = new Set(await appliedMigrations(db));
  const missing = header.migrations.filter((name) => !applied.has(name));
  if (missing.length > 0) {
    throw new Error(`apply these migrations to the target first: ${missing.join(', ')}`);
  }

  const result: ImportResult = { read: {}, inserted: {} };
  await db.transaction(async (tx) => {
    for (const [type, list] of rows) {
      const table = byType.get(type) as Table;
      result.read[type] = list.length;
      result.inserted[type] = 0;
      if (list.length === 0) continue;
      const columns = await insertableColumns(tx, table.table);
      for (const batch of batches(list)) {
        const json = `[${batch.join(',')}]`;
        const present = Object.keys(JSON.parse(batch[0] as string)).filter((column) => columns.has(column));
        if (type === 'channel') await clearEmptyNamesakes(tx, json);
        const names = present.join(', ');
        result.inserted[type] += await tx.execute(
          `insert into ${table.table} (${names})
           select ${names} from jsonb_populate_recordset(null::${table.table}, :rows::jsonb)
           on conflict (${table.key.map(([column]) => column).join(', ')}) do nothing`,
          { rows: json },
        );
      }
    }
  });
  return result;
}

/** The row's JSON as written in the line when the line is as the export writes it (bigints stay exact). */
function rowText(line: string, type: string, row: object): string {
  const prefix = `{"type":${JSON.stringify(type)},"row":`;
  return line.startsWith(prefix) && line.endsWith('}') ? line.slice(prefix.length, -1) : JSON.stringify(row);
}

function* batches(rows: string[]): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for (const row of rows) {
    if (batch.length > 0 && (batch.length >= batchRows || bytes + row.length > batchBudgetBytes)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(row);
    bytes += row.length;
  }
  if (batch.length > 0) yield batch;
}

/** The table's columns a row may set (generated columns are computed by PostgreSQL). */
async function insertableColumns(tx: SqlRunner, table: string): Promise<Set<string>> {
  const rows = await tx.query<{ column_name: string }>(
    `select column_name from information_schema.columns
      where table_schema = current_schema() and table_name = :table and is_generated = 'NEVER'`,
    { table },
  );
  return new Set(rows.map((row) => row.column_name));
}

/** Removes channels that would collide by name with imported ones, when they have no messages or members. */
async function clearEmptyNamesakes(tx: SqlRunner, json: string): Promise<void> {
  await tx.execute(
    `delete from channels c
      using jsonb_populate_recordset(null::channels, :rows::jsonb) r
      where lower(c.name) = lower(r.name) and c.id <> r.id and c.message_count = 0
        and not exists (select 1 from channel_members m where m.channel_id = c.id)`,
    { rows: json },
  );
}

/** Command-line flags `--name value` (and `--flag` alone), with the rest as positional arguments. */
export function parseFlags(argv: readonly string[]): { flags: Map<string, string | true>; rest: string[] } {
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      rest.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const next = argv[i + 1];
    if (inline !== undefined) flags.set(name, inline);
    else if (next !== undefined && !next.startsWith('--') && !booleanFlags.has(name)) {
      flags.set(name, next);
      i++;
    } else flags.set(name, true);
  }
  return { flags, rest };
}

const booleanFlags = new Set(['local', 'without-api-keys', 'help']);

/**
 * The database to reach: `--cluster-arn`, `--secret-arn` and `--database`, or the functions' own
 * variables `DATABASE_CLUSTER_ARN`, `DATABASE_SECRET_ARN`, `DATABASE_NAME`. `--local` means local AWS's
 * (with its credentials and region); `AWS_ENDPOINT_URL_RDS_DATA` must then point at its Data API.
 */
export async function targetFrom(
  flags: Map<string, string | true>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ target: Target; client: RDSDataClient }> {
  const text = (name: string) => {
    const value = flags.get(name);
    return typeof value === 'string' ? value : undefined;
  };
  if (flags.get('local')) {
    if (!env.AWS_ENDPOINT_URL_RDS_DATA) {
      throw new Error("--local needs AWS_ENDPOINT_URL_RDS_DATA: the Data API's URL that npm start prints");
    }
    const { localAccount } = await import('#local/local-aws');
    return {
      target: {
        clusterArn: localAccount.clusterArn,
        secretArn: localAccount.secretArn,
        database: text('database') ?? localAccount.database,
      },
      client: new RDSDataClient({ region: localAccount.region, credentials: localAccount.credentials }),
    };
  }
  const clusterArn = text('cluster-arn') ?? env.DATABASE_CLUSTER_ARN;
  const secretArn = text('secret-arn') ?? env.DATABASE_SECRET_ARN;
  const database = text('database') ?? env.DATABASE_NAME;
  if (!clusterArn || !secretArn || !database) {
    throw new Error(
      'name the database: --cluster-arn, --secret-arn and --database (or DATABASE_CLUSTER_ARN, ' +
        'DATABASE_SECRET_ARN, DATABASE_NAME), or --local for npm start',
    );
  }
  return { target: { clusterArn, secretArn, database }, client: new RDSDataClient({}) };
}
