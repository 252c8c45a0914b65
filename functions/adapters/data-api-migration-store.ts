import type { MigrationStore } from '#domain/migrations/ports';
import type { DataApi } from './data-api.ts';

/** Any fixed number: it names the lock that serializes preparing the bookkeeping tables. */
const advisoryLockKey = 72_696_862;

/** The migration record and lock, kept in the database they describe. */
export function dataApiMigrationStore(db: DataApi): MigrationStore {
  return {
    async prepare() {
      // Two first runs racing on `create table if not exists` would collide in PostgreSQL's catalog:
      // a transaction-scoped advisory lock serializes them.
      await db.transaction(async (tx) => {
        await tx.query('select pg_advisory_xact_lock(:key)', { key: advisoryLockKey });
        await tx.execute(`create table if not exists schema_migrations (
        name text primary key,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`);
        await tx.execute(`create table if not exists schema_migration_lock (
          id int primary key check (id = 1),
          owner text not null,
          expires_at timestamptz not null
        )`);
      });
    },

    async tryLock(owner, leaseSeconds) {
      // Takes a free or expired lock in one statement; returns no row while someone else holds it.
      const rows = await db.query<{ owner: string }>(
        `insert into schema_migration_lock (id, owner, expires_at)
         values (1, :owner, now() + make_interval(secs => :lease))
         on conflict (id) do update set owner = excluded.owner, expires_at = excluded.expires_at
           where schema_migration_lock.expires_at < now()
         returning owner`,
        { owner, lease: leaseSeconds },
      );
      return rows[0]?.owner === owner;
    },

    async unlock(owner) {
      await db.execute('delete from schema_migration_lock where owner = :owner', { owner });
    },

    async applied() {
      return db.query<{ name: string; checksum: string }>(
        'select name, checksum from schema_migrations order by name',
      );
    },

    async apply(migration) {
      await db.transaction(async (tx) => {
        for (const statement of migration.statements) await tx.execute(statement);
        await tx.execute('insert into schema_migrations (name, checksum) values (:name, :checksum)', {
          name: migration.name,
          checksum: migration.checksum,
        });
      });
    },
  };
}
