import { createDataApi } from '#adapters/data-api';
import { wiring } from '#adapters/wiring';
import { makeCheckHealth } from '#domain/health/check-health';
import type { Authenticate } from '#domain/identity/authenticate';
import { databaseConfig } from '#shared/config';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';

// No retries: a health check reports a resuming database at once instead of waiting for it.
const database = createDataApi({
  ...databaseConfig(),
  retry: { budgetMs: 0, baseDelayMs: 0, maxDelayMs: 0 },
});
const connections = wiring.connectionStore();

const checkHealth = makeCheckHealth({
  probes: {
    database: async () => {
      await database.query('select 1 as ok');
    },
    connections: () => connections.probe(),
  },
  onFailure: (dependency, error) =>
    logger.warn('Dependency check failed', { dependency, error: error as Error }),
});

const authenticateThrough = wiring.authenticateWith(database);

/**
 * A caller is authenticated through the same unretried database, so a credential never makes the check
 * wait for Aurora. A token is verified before the database is asked anything; when only the database
 * could settle who is calling (a new user, an API key), the check goes on and reports it unavailable.
 */
const authenticate: Authenticate = (headers) =>
  authenticateThrough(headers).catch((error: unknown) => {
    if (error instanceof DomainError && error.kind === 'unavailable') return undefined;
    throw error;
  });

/** No sign-in needed, but a credential that is present must be valid, as on every route. */
export const handler = authenticatedHandler({ who: 'anyone', authenticate }, async () => {
  const { retryAfterSeconds, ...report } = await checkHealth();
  if (retryAfterSeconds === undefined) return json(200, report);
  return json(503, report, { 'retry-after': String(retryAfterSeconds) });
});
