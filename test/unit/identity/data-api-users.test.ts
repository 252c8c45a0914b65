import { describe, expect, it } from 'vitest';
import type { SqlParams, SqlRunner } from '#adapters/data-api';
import { dataApiUserStore } from '#adapters/data-api-users';

/** Records every statement; the SQL itself is exercised against PostgreSQL in the integration tests. */
function recordingDb() {
  const statements: SqlParams[] = [];
  let fail = false;
  const db: SqlRunner = {
    async query() {
      return [];
    },
    async execute(_sql, params = {}) {
      if (fail) throw new Error('database down');
      statements.push(params);
      return 1;
    },
  };
  return {
    db,
    statements,
    failNext() {
      fail = true;
    },
    recover() {
      fail = false;
    },
  };
}

describe("the users store's memory of what it wrote", () => {
  it('writes a person once while nothing changes', async () => {
    const { db, statements } = recordingDb();
    const users = dataApiUserStore(db);

    await users.upsertPerson({ id: 'a', username: 'alice', isAdmin: false });
    await users.upsertPerson({ id: 'a', username: 'alice', isAdmin: false });

    expect(statements).toEqual([{ id: 'a', username: 'alice', isAdmin: false }]);
  });

  it('writes again when the username or the admin flag changes', async () => {
    const { db, statements } = recordingDb();
    const users = dataApiUserStore(db);

    await users.upsertPerson({ id: 'a', username: 'alice', isAdmin: false });
    await users.upsertPerson({ id: 'a', username: 'alice2', isAdmin: false });
    await users.upsertPerson({ id: 'a', username: 'alice2', isAdmin: true });

    expect(statements).toHaveLength(3);
  });

  it('does not remember a write that failed', async () => {
    const recording = recordingDb();
    const users = dataApiUserStore(recording.db);
    recording.failNext();
    await expect(users.upsertPerson({ id: 'a', username: 'alice', isAdmin: false })).rejects.toThrow();
    recording.recover();

    await users.upsertPerson({ id: 'a', username: 'alice', isAdmin: false });

    expect(recording.statements).toHaveLength(1);
  });

  it('forgets the least recently written person beyond its size', async () => {
    const { db, statements } = recordingDb();
    const users = dataApiUserStore(db, { cacheSize: 2 });

    await users.upsertPerson({ id: 'a', username: 'a', isAdmin: false });
    await users.upsertPerson({ id: 'b', username: 'b', isAdmin: false });
    await users.upsertPerson({ id: 'c', username: 'c', isAdmin: false });
    await users.upsertPerson({ id: 'b', username: 'b', isAdmin: false });
    await users.upsertPerson({ id: 'a', username: 'a', isAdmin: false });

    expect(statements.map((s) => s.id)).toEqual(['a', 'b', 'c', 'a']);
  });
});
