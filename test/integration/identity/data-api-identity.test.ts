import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataApi } from '#adapters/data-api';
import { dataApiApiKeyStore } from '#adapters/data-api-api-keys';
import { dataApiUserStore } from '#adapters/data-api-users';
import { startTestDatabase, type TestDatabase } from '../support/data-api.ts';

interface UserRow {
  id: string;
  username: string;
  kind: string;
  is_admin: boolean;
  updated_at: string;
}

describe('the users and API key stores through the Data API', () => {
  let database: TestDatabase;
  let db: DataApi;
  let ids = 0;

  /** A fresh UUID-shaped id per call, so tests never share rows. */
  const newId = () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`;

  beforeAll(async () => {
    database = await startTestDatabase();
    db = await database.fresh();
  });
  afterAll(async () => database?.dispose());

  const userRow = async (id: string) =>
    (
      await db.query<UserRow>('select id, username, kind, is_admin, updated_at from users where id = :id', {
        id,
      })
    )[0];

  /** A person as authentication would record them. */
  async function person(username: string, isAdmin = false) {
    const id = `sub-${newId()}`;
    await dataApiUserStore(db).upsertPerson({ id, username, isAdmin });
    return id;
  }

  describe('users', () => {
    it('creates a person on first sight', async () => {
      const id = await person('alice', true);

      expect(await userRow(id)).toMatchObject({ id, username: 'alice', kind: 'person', is_admin: true });
    });

    it('refreshes the username and admin flag when they change', async () => {
      const id = await person('bob');

      // A new container (nothing cached) sees bob renamed and made an admin.
      await dataApiUserStore(db).upsertPerson({ id, username: 'robert', isAdmin: true });

      expect(await userRow(id)).toMatchObject({ username: 'robert', is_admin: true });
    });

    it('rewrites a row only when something changed', async () => {
      const id = await person('carol');
      const created = await userRow(id);
      const later = () => new Promise((resolve) => setTimeout(resolve, 20));

      await later();
      await dataApiUserStore(db).upsertPerson({ id, username: 'carol', isAdmin: false });
      const unchanged = await userRow(id);
      await later();
      await dataApiUserStore(db).upsertPerson({ id, username: 'carol', isAdmin: true });
      const changed = await userRow(id);

      expect(unchanged?.updated_at).toBe(created?.updated_at);
      expect(changed?.updated_at).not.toBe(created?.updated_at);
    });

    it('never turns a bot into a person', async () => {
      const owner = await person('dave');
      const key = await dataApiApiKeyStore(db).create({
        id: newId(),
        ownerId: owner,
        name: 'helper',
        keyHash: 'h',
      });

      await dataApiUserStore(db).upsertPerson({ id: key.id, username: 'impostor', isAdmin: true });

      expect(await userRow(key.id)).toMatchObject({ username: 'helper', kind: 'bot', is_admin: false });
    });
  });

  describe('API keys', () => {
    it('creates a key and its bot in one go', async () => {
      const owner = await person('erin');
      const id = newId();

      const created = await dataApiApiKeyStore(db).create({
        id,
        ownerId: owner,
        name: 'ci',
        keyHash: 'abc123',
      });

      expect(created).toEqual({
        id,
        ownerId: owner,
        name: 'ci',
        createdAt: expect.any(Date),
        lastUsedAt: null,
      });
      expect(Math.abs(created.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
      expect(await userRow(id)).toMatchObject({ username: 'ci', kind: 'bot' });
    });

    it('creates neither the key nor the bot when one of them fails', async () => {
      const owner = await person('frank');
      const id = newId();
      const keys = dataApiApiKeyStore(db);
      await keys.create({ id, ownerId: owner, name: 'first', keyHash: 'h1' });
      const other = newId();
      // The bot row is inserted, then the key's insert fails on its duplicate id: both roll back.
      await db.execute(`insert into api_keys (id, owner_id, name, key_hash) values (:id, :owner, 'x', 'h')`, {
        id: { uuid: other },
        owner,
      });

      await expect(
        keys.create({ id: other, ownerId: owner, name: 'second', keyHash: 'h2' }),
      ).rejects.toThrow();

      expect(await userRow(other)).toBeUndefined();
    });

    it("lists an owner's keys newest first", async () => {
      const owner = await person('gina');
      const keys = dataApiApiKeyStore(db);
      const older = await keys.create({ id: newId(), ownerId: owner, name: 'older', keyHash: 'h' });
      const newer = await keys.create({ id: newId(), ownerId: owner, name: 'newer', keyHash: 'h' });
      await keys.create({
        id: newId(),
        ownerId: await person('someone else'),
        name: 'not gina’s',
        keyHash: 'h',
      });

      const listed = await keys.listByOwner(owner);

      expect(listed.map((key) => key.id)).toEqual([newer.id, older.id]);
      expect(listed[0]).not.toHaveProperty('keyHash');
    });

    it("finds a key with its hash and its owner's current admin flag", async () => {
      const owner = await person('hank', false);
      const keys = dataApiApiKeyStore(db);
      const created = await keys.create({ id: newId(), ownerId: owner, name: 'bot', keyHash: 'the-hash' });
      await dataApiUserStore(db).upsertPerson({ id: owner, username: 'hank', isAdmin: true });

      expect(await keys.find(created.id)).toEqual({ ...created, keyHash: 'the-hash', ownerIsAdmin: true });
      expect(await keys.find(newId())).toBeUndefined();
    });

    it("revokes only the owner's own key, keeping the bot for its messages", async () => {
      const owner = await person('iris');
      const keys = dataApiApiKeyStore(db);
      const created = await keys.create({ id: newId(), ownerId: owner, name: 'bot', keyHash: 'h' });

      expect(await keys.revoke(await person('mallory'), created.id)).toBe(false);
      expect(await keys.find(created.id)).toBeDefined();
      expect(await keys.revoke(owner, created.id)).toBe(true);
      expect(await keys.find(created.id)).toBeUndefined();
      expect(await keys.revoke(owner, created.id)).toBe(false);
      expect(await userRow(created.id)).toMatchObject({ kind: 'bot' });
    });

    it('records a use only when the last one is older than asked', async () => {
      const owner = await person('jack');
      const keys = dataApiApiKeyStore(db);
      const created = await keys.create({ id: newId(), ownerId: owner, name: 'bot', keyHash: 'h' });
      const first = new Date('2026-03-01T10:00:00.123Z');

      await keys.markUsed(created.id, first, new Date(first.getTime() - 60_000));
      await keys.markUsed(
        created.id,
        new Date('2026-03-01T10:00:30.000Z'),
        new Date('2026-03-01T09:59:30.000Z'),
      );
      expect((await keys.find(created.id))?.lastUsedAt).toEqual(first);

      const later = new Date('2026-03-01T10:01:30.000Z');
      await keys.markUsed(created.id, later, new Date('2026-03-01T10:00:30.000Z'));
      expect((await keys.find(created.id))?.lastUsedAt).toEqual(later);
    });

    it("goes when its owner's row goes", async () => {
      const owner = await person('kim');
      const keys = dataApiApiKeyStore(db);
      const created = await keys.create({ id: newId(), ownerId: owner, name: 'bot', keyHash: 'h' });

      await db.execute('delete from users where id = :owner', { owner });

      expect(await keys.find(created.id)).toBeUndefined();
    });
  });
});
