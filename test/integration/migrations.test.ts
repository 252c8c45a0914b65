import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataApi } from '#adapters/data-api';
import { dataApiMigrationStore } from '#adapters/data-api-migration-store';
import { readMigrations } from '#adapters/migration-files';
import { channelNameKey } from '#domain/channels/channel-name-key';
import { makeApplyMigrations } from '#domain/migrations/apply-migrations';
import { startTestDatabase, type TestDatabase } from './support/data-api.ts';

describe('the migration runner through the Data API', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await startTestDatabase();
  });
  afterAll(async () => database?.dispose());

  const freshDatabase = () => database.fresh({ migrated: false });

  /** A directory of migration files. */
  async function migrationsDir(files: Record<string, string>): Promise<URL> {
    const dir = await mkdtemp(join(database.root, 'files-'));
    for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
    return pathToFileURL(`${dir}/`);
  }

  const run = async (db: DataApi, dir: URL) =>
    makeApplyMigrations({ store: dataApiMigrationStore(db), lockWaitMs: 10_000 })(await readMigrations(dir));

  it("applies the project's migrations, seeding the general and random channels", async () => {
    const db = await freshDatabase();

    const result = await run(db, new URL('../../migrations/', import.meta.url));

    expect(result.applied.length).toBeGreaterThan(0);
    const channels = await db.query<{ name: string }>('select name from channels order by name');
    expect(channels.map((c) => c.name)).toEqual(['general', 'random']);
  });

  it('applies nothing the second time', async () => {
    const db = await freshDatabase();
    const dir = await migrationsDir({ '0001_a.sql': 'create table a (id int);' });
    await run(db, dir);

    expect(await run(db, dir)).toEqual({ applied: [], alreadyApplied: ['0001_a.sql'] });
  });

  it('leaves the schema at the last good migration when one fails', async () => {
    const db = await freshDatabase();
    const dir = await migrationsDir({
      '0001_good.sql': 'create table good (id int);',
      '0002_bad.sql': 'create table half (id int);\ninsert into nowhere values (1);',
    });

    await expect(run(db, dir)).rejects.toThrow(/nowhere/);

    const tables = await db.query<{ name: string }>(
      "select table_name as name from information_schema.tables where table_schema = 'public' order by 1",
    );
    expect(tables.map((t) => t.name)).toEqual(['good', 'schema_migration_lock', 'schema_migrations']);
    const applied = await db.query<{ name: string }>('select name from schema_migrations');
    expect(applied).toEqual([{ name: '0001_good.sql' }]);
    expect(await db.query('select * from schema_migration_lock')).toEqual([]);
  });

  it('fails without changing anything when an applied migration was edited', async () => {
    const db = await freshDatabase();
    await run(db, await migrationsDir({ '0001_a.sql': 'create table a (id int);' }));

    const edited = await migrationsDir({
      '0001_a.sql': 'create table a (id bigint);',
      '0002_b.sql': 'create table b (id int);',
    });

    await expect(run(db, edited)).rejects.toThrow(/0001_a.sql was edited/);
    expect(await db.query("select to_regclass('b')::text as b")).toEqual([{ b: null }]);
  });

  it('never lets two concurrent runs apply the same migration', async () => {
    const db = await freshDatabase();
    const dir = await migrationsDir({
      '0001_a.sql': 'create table a (id int);',
      '0002_b.sql': 'create table b (id int);',
    });

    const results = await Promise.all([run(db, dir), run(db, dir)]);

    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_a.sql', '0002_b.sql']);
    expect(await db.query('select count(*)::int as n from schema_migrations')).toEqual([{ n: 2 }]);
  });

  describe('0003, channel name keys', () => {
    const project = new URL('../../migrations/', import.meta.url);

    /** A database migrated up to `0002` only, as it was before name keys. */
    async function before0003(): Promise<DataApi> {
      const db = await freshDatabase();
      const dir = await mkdtemp(join(database.root, 'before-0003-'));
      for (const name of ['0001_chat_core.sql', '0002_uploads.sql']) {
        await copyFile(new URL(name, project), join(dir, name));
      }
      await run(db, pathToFileURL(`${dir}/`));
      return db;
    }

    it('gives every existing channel its key, and later look-alikes a key of their own', async () => {
      const db = await before0003();
      for (const name of ['straße', 'STRASSE', 'Σίσυφος', 'ΣΊΣΥΦΟΣ', 'ｇｅｎｅｒａｌ', 'Design']) {
        await db.execute('insert into channels (name) values (:name)', { name });
      }

      await run(db, project);

      const rows = await db.query<{ id: string; name: string; name_key: string }>(
        'select id, name, name_key from channels order by created_at, id',
      );
      expect(rows).toHaveLength(8);
      const keyOf = (name: string) => rows.find((row) => row.name === name)?.name_key;
      const idOf = (name: string) => rows.find((row) => row.name === name)?.id;
      expect(keyOf('general')).toBe('general');
      expect(keyOf('random')).toBe('random');
      expect(keyOf('Design')).toBe('design');
      expect(keyOf('straße')).toBe('strasse');
      expect(keyOf('Σίσυφος')).toBe('σίσυφοσ');
      expect(keyOf('STRASSE')).toBe(`strasse\u001f${idOf('STRASSE')}`);
      expect(keyOf('ΣΊΣΥΦΟΣ')).toBe(`σίσυφοσ\u001f${idOf('ΣΊΣΥΦΟΣ')}`);
      expect(keyOf('ｇｅｎｅｒａｌ')).toBe(`general\u001f${idOf('ｇｅｎｅｒａｌ')}`);
    });

    it('computes in SQL the key the functions compute', async () => {
      const db = await freshDatabase();
      await run(db, project);
      const names = [
        'STRASSE',
        'straße',
        'GROẞE',
        'ΣΊΣΥΦΟΣ',
        'Σίσυφος',
        'ｇｅｎｅｒａｌ',
        'ﬁle ﬂow',
        'İstanbul',
        'ısparta',
        'IĞDIR',
        'ᾈδης ᾳ',
        'ǅemal',
        'Ꭰ ꭰ',
        '\u1C80\u1C88',
        '❤️ fans',
        'a   b\u3000c',
        'Ω Å µ',
        '①②③ ㍿',
        'Ａｂｃ－１２３',
      ];

      for (const name of names) {
        const [row] = await db.query<{ key: string }>('select channel_name_key(:name) as key', { name });
        expect({ name, key: row?.key }).toEqual({ name, key: channelNameKey(name) });
      }
    });

    it('keys a channel that code older than the migration inserts or renames without its key', async () => {
      const db = await freshDatabase();
      await run(db, project);

      await db.execute("insert into channels (name) values ('Straße')");

      expect(await db.query("select name_key from channels where name = 'Straße'")).toEqual([
        { name_key: 'strasse' },
      ]);
      await expect(db.execute("insert into channels (name) values ('STRASSE')")).rejects.toThrow(/23505/);
      await db.execute("update channels set name = 'ＳＴＲＡＳＳＥ-2' where name = 'Straße'");
      expect(await db.query("select name_key from channels where name = 'ＳＴＲＡＳＳＥ-2'")).toEqual([
        { name_key: 'strasse-2' },
      ]);
    });
  });
});
