import { makeGcraRateLimiter } from '#domain/quotas/gcra';
import { fakeClock, memoryApiKeys, memoryRateStates, memoryUsers } from './fakes.ts';

/**
 * The in-memory state behind the handlers under test: `vi.mock` factories hand these to the handlers in
 * place of the Data API and DynamoDB adapters, and tests inspect them.
 */
export const clock = fakeClock(new Date().toISOString());
export const users = memoryUsers();
export const apiKeys = memoryApiKeys(clock);
export const rates = memoryRateStates();
export const rateLimiter = makeGcraRateLimiter({ state: rates.store, now: clock.now });
