import { randomUUID } from 'node:crypto';
import { DomainError } from '#shared/errors';
import type { Migration, MigrationStore } from './ports.ts';

/** The store `makeApplyMigrations` migrates, and how it waits for another run. */
export interface ApplyMigrationsDeps {
  store: MigrationStore;
  /** How long a run may hold the lock before another may take it over (a crashed run never unlocks). */
  leaseSeconds?: number;
  /** How long to wait for another run's lock. */
  lockWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string, details?: Record<string, unknown>) => void;
}

/** The names of the migrations a run applied, and of those already applied before it. */
export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

/**
 * Applies pending migrations in name order, each in its own transaction with its record, under a lock
 * so two runs never overlap. Refuses to run when an applied migration was edited or removed, or when a
 * new one sorts before an applied one: the schema would no longer be what the files say.
 */
export function makeApplyMigrations({
  store,
  leaseSeconds = 900,
  lockWaitMs = 120_000,
  sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  log = () => {},
}: ApplyMigrationsDeps) {
  return async (migrations: Migration[]): Promise<MigrationResult> => {
    const ordered = [...migrations].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    await store.prepare();
    const owner = randomUUID();
    const waitUntil = Date.now() + lockWaitMs;
    while (!(await store.tryLock(owner, leaseSeconds))) {
      if (Date.now() >= waitUntil) throw new DomainError('conflict', 'Another migration run holds the lock.');
      log('Waiting for another migration run to finish');
      await sleep(2_000);
    }
    try {
      const applied = await store.applied();
      const pending = plan(ordered, applied);
      for (const migration of pending) {
        log('Applying migration', { name: migration.name, statements: migration.statements.length });
        await store.apply(migration);
      }
      return { applied: pending.map((m) => m.name), alreadyApplied: applied.map((m) => m.name) };
    } finally {
      await store.unlock(owner);
    }
  };
}

function plan(migrations: Migration[], applied: { name: string; checksum: string }[]): Migration[] {
  const byName = new Map(migrations.map((m) => [m.name, m]));
  for (const record of applied) {
    const file = byName.get(record.name);
    if (!file)
      throw new DomainError('conflict', `Applied migration ${record.name} is missing from migrations/.`);
    if (file.checksum !== record.checksum) {
      throw new DomainError(
        'conflict',
        `Migration ${record.name} was edited after it was applied; add a new migration instead.`,
      );
    }
  }
  const done = new Set(applied.map((m) => m.name));
  const pending = migrations.filter((m) => !done.has(m.name));
  const lastApplied = applied
    .map((m) => m.name)
    .sort()
    .at(-1);
  const early = pending.find((m) => lastApplied !== undefined && m.name < lastApplied);
  if (early) {
    throw new DomainError(
      'conflict',
      `Migration ${early.name} sorts before the applied ${lastApplied}; rename it.`,
    );
  }
  return pending;
}
