import { DomainError } from '#shared/errors';
import type { RateLimit, RateLimiter } from './ports.ts';

/** A rate limit applied per user or per key, under a scope that names what it counts. */
export interface Quota {
  /** Part of the limiter's key (`<scope>#<id>`), so quotas never share a budget. */
  scope: string;
  limit: RateLimit;
  /** What is counted, for the refusal's message ("messages", "requests"...). */
  what: string;
}

/** hiroba's quotas. API Gateway's stage throttling protects the whole API; these keep one user fair. */
export const quotas = {
  /** Messages a user (person or bot) sends, over HTTP and WebSocket together. */
  messageSends: { scope: 'send', limit: { rate: 5, periodSeconds: 1, burst: 20 }, what: 'messages' },
  /** Requests made with one API key, whatever the route. */
  apiKeyRequests: {
    scope: 'apikey',
    limit: { rate: 100, periodSeconds: 60, burst: 100 },
    what: 'requests with this API key',
  },
  /** Channels a user creates. */
  channelCreations: {
    scope: 'channel-create',
    limit: { rate: 10, periodSeconds: 3600, burst: 10 },
    what: 'new channels',
  },
  /** Image uploads a user (person or bot) starts. */
  uploads: { scope: 'upload', limit: { rate: 60, periodSeconds: 3600, burst: 60 }, what: 'uploads' },
} as const satisfies Record<string, Quota>;

/** Open WebSocket connections a user may hold at once (counted, not rate-limited). */
export const maxOpenConnectionsPerUser = 20;

/** Charges one request to `id`'s budget under `quota`, or refuses it with `rate-limited` and a retry delay. */
export function makeChargeQuota({ rateLimiter }: { rateLimiter: RateLimiter }) {
  return async (quota: Quota, id: string): Promise<void> => {
    const decision = await rateLimiter.take(`${quota.scope}#${id}`, quota.limit);
    if (decision.allowed) return;
    const { retryAfterSeconds } = decision;
    throw new DomainError('rate-limited', `Too many ${quota.what}; try again in ${retryAfterSeconds} s.`, {
      retryAfterSeconds,
    });
  };
}
