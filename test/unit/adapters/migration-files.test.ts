import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readMigrations, splitStatements } from '#adapters/migration-files';

describe('splitStatements', () => {
  it('splits at semicolons that end statements and drops comments', () => {
    const sql = `-- a comment; with a semicolon
create table a (x text default 'a;b');
/* block; comment */ insert into a values ('y');
`;
    expect(splitStatements(sql)).toEqual([
      "create table a (x text default 'a;b')",
      "insert into a values ('y')",
    ]);
  });

  it('keeps dollar-quoted bodies whole', () => {
    const sql = `create function f() returns int as $$ begin return 1; end; $$ language plpgsql;
do $body$ begin perform 1; end $body$;`;
    expect(splitStatements(sql)).toEqual([
      'create function f() returns int as $$ begin return 1; end; $$ language plpgsql',
      'do $body$ begin perform 1; end $body$',
    ]);
  });

  it('returns nothing for a script of comments', () => {
    expect(splitStatements('-- nothing here;\n/* nor; here */\n')).toEqual([]);
  });
});

describe('readMigrations', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((dir) => rm(dir, { recursive: true }))));

  it('reads .sql files in name order with a checksum of their bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    dirs.push(dir);
    await writeFile(join(dir, '0002_b.sql'), 'select 2;');
    await writeFile(join(dir, '0001_a.sql'), 'select 1;');
    await writeFile(join(dir, 'README.md'), 'not a migration');

    const migrations = await readMigrations(pathToFileURL(`${dir}/`));

    expect(migrations.map((m) => m.name)).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(migrations[0]?.statements).toEqual(['select 1']);
    expect(migrations[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(migrations[0]?.checksum).not.toBe(migrations[1]?.checksum);
  });

  it('reads the project migrations into non-empty statements', async () => {
    const migrations = await readMigrations(new URL('../../../migrations/', import.meta.url));

    expect(migrations.length).toBeGreaterThan(0);
    for (const m of migrations) expect(m.statements.length).toBeGreaterThan(0);
  });
});
