import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createDataApi, type DataApi } from '#adapters/data-api';
import { dataApiMigrationStore } from '#adapters/data-api-migration-store';
import { readMigrations } from '#adapters/migration-files';
import { makeApplyMigrations } from '#domain/migrations/apply-migrations';
import { type DataApiEmulator, startDataApi } from '#local/data-api/server';
import { type PostgresServer, startPostgres } from '#local/postgres';

const clusterArn = 'arn:aws:rds:us-east-1:000000000000:cluster:adapter-test';
const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:adapter-test';

export interface TestDatabase {
  postgres: PostgresServer;
  emulator: DataApiEmulator;
  /** A scratch directory removed with the rest. */
  root: string;
  /**
   * A fresh database reached through the Data API with the real SDK client, with the project's
   * migrations applied unless `migrated` is false.
   */
  fresh(options?: { migrated?: boolean }): Promise<DataApi>;
  dispose(): Promise<void>;
}

/** PostgreSQL behind the Data API emulator, for testing the Data API adapters on their own. */
export async function startTestDatabase(): Promise<TestDatabase> {
  const root = await mkdtemp(join(tmpdir(), 'hiroba-db-'));
  const postgres = await startPostgres({ dataDir: join(root, 'pg') });
  const emulator = await startDataApi({ postgres, clusterArn, secretArn });
  const client = new RDSDataClient({
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const migrations = await readMigrations(new URL('../../../migrations/', import.meta.url));
  let count = 0;
  return {
    postgres,
    emulator,
    root,
    async fresh({ migrated = true } = {}) {
      const database = `test_${++count}`;
      await postgres.ensureDatabase(database);
      const db = createDataApi({ clusterArn, secretArn, database, client });
      if (migrated) await makeApplyMigrations({ store: dataApiMigrationStore(db) })(migrations);
      return db;
    },
    async dispose() {
      client.destroy();
      await emulator.stop();
      await postgres.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
