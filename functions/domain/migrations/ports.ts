/** One SQL file of `migrations/`, split into the statements the Data API runs one by one. */
export interface Migration {
  /** File name, e.g. `0001_initial.sql`; migrations apply in name order. */
  name: string;
  /** SHA-256 of the file's bytes: an applied migration must never change. */
  checksum: string;
  statements: string[];
}

/** The record of an applied migration: its file name and the checksum it had then. */
export interface AppliedMigration {
  name: string;
  checksum: string;
}

/** The database side of migrating: the record of what was applied, and a lock between runners. */
export interface MigrationStore {
  /** Creates the bookkeeping tables when they do not exist. */
  prepare(): Promise<void>;
  /** Takes the lock for `owner` unless another live run holds it; `false` when it is held. */
  tryLock(owner: string, leaseSeconds: number): Promise<boolean>;
  unlock(owner: string): Promise<void>;
  applied(): Promise<AppliedMigration[]>;
  /** Runs the statements and records the migration in one transaction: all of it or none. */
  apply(migration: Migration): Promise<void>;
}
