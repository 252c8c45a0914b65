import { describe, expect, it } from 'vitest';
import { makeApplyMigrations } from '#domain/migrations/apply-migrations';
import type { AppliedMigration, Migration, MigrationStore } from '#domain/migrations/ports';
import { DomainError } from '#shared/errors';

function memoryStore(initial: AppliedMigration[] = []) {
  const state = {
    applied: [...initial],
    lockOwner: undefined as string | undefined,
    executed: [] as string[],
    failOn: undefined as string | undefined,
  };
  const store: MigrationStore = {
    prepare: async () => {},
    tryLock: async (owner) => {
      if (state.lockOwner && state.lockOwner !== owner) return false;
      state.lockOwner = owner;
      return true;
    },
    unlock: async (owner) => {
      if (state.lockOwner === owner) state.lockOwner = undefined;
    },
    applied: async () => [...state.applied],
    apply: async (migration) => {
      if (migration.name === state.failOn) throw new Error(`syntax error in ${migration.name}`);
      state.executed.push(...migration.statements);
      state.applied.push({ name: migration.name, checksum: migration.checksum });
    },
  };
  return { store, state };
}

const migration = (name: string, checksum = `sum-${name}`): Migration => ({
  name,
  checksum,
  statements: [`-- ${name}`],
});

describe('applyMigrations', () => {
  it('applies pending migrations in name order', async () => {
    const { store, state } = memoryStore();

    const result = await makeApplyMigrations({ store })([migration('0002_b.sql'), migration('0001_a.sql')]);

    expect(result).toEqual({ applied: ['0001_a.sql', '0002_b.sql'], alreadyApplied: [] });
    expect(state.executed).toEqual(['-- 0001_a.sql', '-- 0002_b.sql']);
    expect(state.lockOwner).toBeUndefined();
  });

  it('skips migrations already applied', async () => {
    const { store, state } = memoryStore([{ name: '0001_a.sql', checksum: 'sum-0001_a.sql' }]);

    const result = await makeApplyMigrations({ store })([migration('0001_a.sql'), migration('0002_b.sql')]);

    expect(result.applied).toEqual(['0002_b.sql']);
    expect(state.executed).toEqual(['-- 0002_b.sql']);
  });

  it('refuses to run when an applied migration was edited', async () => {
    const { store, state } = memoryStore([{ name: '0001_a.sql', checksum: 'old' }]);

    const run = makeApplyMigrations({ store })([migration('0001_a.sql', 'new'), migration('0002_b.sql')]);

    await expect(run).rejects.toThrow(/0001_a.sql was edited/);
    expect(state.executed).toEqual([]);
    expect(state.lockOwner).toBeUndefined();
  });

  it('refuses to run when an applied migration is missing', async () => {
    const { store } = memoryStore([{ name: '0001_a.sql', checksum: 'sum-0001_a.sql' }]);

    await expect(makeApplyMigrations({ store })([migration('0002_b.sql')])).rejects.toThrow(/missing/);
  });

  it('refuses a new migration that sorts before an applied one', async () => {
    const { store } = memoryStore([{ name: '0002_b.sql', checksum: 'sum-0002_b.sql' }]);

    const run = makeApplyMigrations({ store })([migration('0001_a.sql'), migration('0002_b.sql')]);

    await expect(run).rejects.toThrow(/sorts before/);
  });

  it('stops at a failing migration, keeping the ones before it and releasing the lock', async () => {
    const { store, state } = memoryStore();
    state.failOn = '0002_b.sql';

    const run = makeApplyMigrations({ store })([
      migration('0001_a.sql'),
      migration('0002_b.sql'),
      migration('0003_c.sql'),
    ]);

    await expect(run).rejects.toThrow(/syntax error/);
    expect(state.applied.map((m) => m.name)).toEqual(['0001_a.sql']);
    expect(state.lockOwner).toBeUndefined();
  });

  it('waits for a lock held by another run, then gives up with a conflict', async () => {
    const { store, state } = memoryStore();
    state.lockOwner = 'someone-else';
    let waits = 0;

    const run = makeApplyMigrations({
      store,
      lockWaitMs: 0,
      sleep: async () => {
        waits++;
      },
    })([migration('0001_a.sql')]);

    await expect(run).rejects.toSatisfy((error) => error instanceof DomainError && error.kind === 'conflict');
    expect(waits).toBeLessThanOrEqual(1);
    expect(state.executed).toEqual([]);
    expect(state.lockOwner).toBe('someone-else');
  });
});
