import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type PostgresServer, startPostgres } from '#local/postgres';

let dataDir: string;
let server: PostgresServer | undefined;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'hiroba-postgres-'));
  server = await startPostgres({ dataDir });
});

afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

function running(): PostgresServer {
  if (!server) throw new Error('PostgreSQL is not running');
  return server;
}

async function query(database: string, sql: string): Promise<unknown[]> {
  const { host, port, user, password } = running();
  const client = new pg.Client({ host, port, user, password, database });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

async function restart(): Promise<void> {
  await running().stop();
  server = undefined;
  server = await startPostgres({ dataDir });
}

describe('startPostgres', () => {
  it('listens on a free port it picked itself when given none', () => {
    expect(running().port).toBeGreaterThan(0);
    expect(running().host).toBe('127.0.0.1');
  });

  it('creates a database only when it is missing, keeping what it holds', async () => {
    await running().ensureDatabase('ensured');
    await query('ensured', 'CREATE TABLE notes (body text)');
    await query('ensured', "INSERT INTO notes VALUES ('kept')");

    await running().ensureDatabase('ensured');

    expect(await query('ensured', 'SELECT body FROM notes')).toEqual([{ body: 'kept' }]);
  });

  it('keeps its data across a restart on the same data directory', async () => {
    await running().ensureDatabase('restarted');
    await query('restarted', 'CREATE TABLE survivors AS SELECT 1 AS id');

    await restart();

    expect(await query('restarted', 'SELECT id FROM survivors')).toEqual([{ id: 1 }]);
  });

  it('writes no PostgreSQL output unless HIROBA_DEBUG is set', async () => {
    vi.stubEnv('HIROBA_DEBUG', '');
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    try {
      await restart();
      expect(stdout).not.toHaveBeenCalled();
      expect(stderr).not.toHaveBeenCalled();
    } finally {
      stdout.mockRestore();
      stderr.mockRestore();
      vi.unstubAllEnvs();
    }
  });

  it('runs with UTF-8, Unicode case mapping and UTC like Aurora', async () => {
    await running().ensureDatabase('settings');

    const [settings] = await query(
      'settings',
      "SELECT current_setting('server_encoding') AS encoding, current_setting('TimeZone') AS zone, lower('ÄÖÜ') AS lowered",
    );

    expect(settings).toEqual({ encoding: 'UTF8', zone: 'UTC', lowered: 'äöü' });
  });

  it('really stops the server process', async () => {
    const { host, port, user, password } = running();

    await running().stop();
    server = undefined;

    const client = new pg.Client({ host, port, user, password, database: 'postgres' });
    await expect(client.connect()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
