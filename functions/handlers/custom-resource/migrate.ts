import { createDataApi } from '#adapters/data-api';
import { dataApiMigrationStore } from '#adapters/data-api-migration-store';
import { readMigrations } from '#adapters/migration-files';
import { makeApplyMigrations } from '#domain/migrations/apply-migrations';
import { databaseConfig } from '#shared/config';
import { isRollback } from '#shared/deployments';
import { logger } from '#shared/logger';
import { customResourceHandler } from '#shared/middleware/custom-resource';

// Waking Aurora from 0 ACU can take a while; a deployment may wait longer than an API request.
const db = createDataApi({
  ...databaseConfig(),
  retry: { budgetMs: 120_000, baseDelayMs: 1_000, maxDelayMs: 10_000 },
});
const applyMigrations = makeApplyMigrations({
  store: dataApiMigrationStore(db),
  log: (message, details) => logger.info(message, details ?? {}),
});
// The bundle carries the SQL files next to it (see lib/constructs/migrations.ts).
const migrationsDirectory = new URL('./migrations/', import.meta.url);

const physicalResourceId = 'hiroba-schema-migrations';

export const handler = customResourceHandler(async (event) => {
  // Deleting the stack never drops data: the cluster's removal policy decides what happens to it.
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  // Migrations only move forward: a rollback keeps the schema, which later code must still accept.
  if (isRollback(event)) {
    logger.warn('Rollback: migrations are forward-only, the schema stays as it is');
    return { PhysicalResourceId: event.PhysicalResourceId, Data: { applied: 0 } };
  }
  const result = await applyMigrations(await readMigrations(migrationsDirectory));
  logger.info('Migrations done', { ...result });
  return { PhysicalResourceId: physicalResourceId, Data: { applied: result.applied.length } };
});
