import pg from 'pg';
import { fromPostgresError, isPostgresError } from './errors.ts';
import type { RawResult } from './results.ts';

/** Where the PostgreSQL server listens and how to log in. */
export interface PostgresConnection {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** A pooled connection, with the backend process id the driver tracks but does not type. */
export type Connection = pg.PoolClient & { processID: number };

// Every value as PostgreSQL's text output: the emulator maps types itself, as the Data API does.
const RAW_TYPES = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * Runs one statement and returns raw text values. Uses the extended protocol, as the Data API's driver
 * does, and reports PostgreSQL errors as `DatabaseErrorException` with positions in the caller's SQL.
 */
export async function rawQuery(
  connection: pg.ClientBase,
  text: string,
  values: unknown[] = [],
  originalPosition?: (position: number) => number,
): Promise<RawResult> {
  const config = { text, values, rowMode: 'array' as const, types: RAW_TYPES, queryMode: 'extended' };
  try {
    return await connection.query<(string | null)[]>(config);
  } catch (error) {
    throw isPostgresError(error) ? fromPostgresError(error, originalPosition) : error;
  }
}

/** One connection pool per database, created on first use. */
export class DatabasePools {
  private readonly connection: PostgresConnection;
  private readonly pools = new Map<string, pg.Pool>();

  constructor(connection: PostgresConnection) {
    this.connection = connection;
  }

  /** A connection to `database`; release it when done. */
  async acquire(database: string): Promise<Connection> {
    let pool = this.pools.get(database);
    if (!pool) {
      pool = new pg.Pool({
        ...this.connection,
        database,
        max: 10,
        idleTimeoutMillis: 30_000,
        application_name: 'hiroba-data-api',
        // Aurora's default; the Data API's TIMESTAMP hint and timestamptz output both assume UTC sessions.
        options: '-c TimeZone=UTC',
      });
      // An idle connection dropped by the server must not crash the emulator; the next acquire reconnects.
      pool.on('error', () => {});
      this.pools.set(database, pool);
    }
    return (await pool.connect()) as Connection;
  }

  /** Cancels whatever the backend `processId` is running, from a connection of its own. */
  async cancel(processId: number): Promise<void> {
    const client = new pg.Client({ ...this.connection, database: 'postgres' });
    await client.connect();
    try {
      await client.query('SELECT pg_cancel_backend($1)', [processId]);
    } finally {
      await client.end();
    }
  }

  /** Closes every pool. */
  async end(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
  }
}
