/** A sustained rate with a burst allowance, e.g. 5 a second with bursts of 20. */
export interface RateLimit {
  /** Requests that may be made per `periodSeconds` on average. */
  rate: number;
  periodSeconds: number;
  /** Requests that may be made at once after a quiet spell. */
  burst: number;
}

/** Whether a request was taken, or how long to wait before trying again. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Counts requests against limits shared by every container (so not in memory). */
export interface RateLimiter {
  /** Takes one request from `key`'s allowance under `limit`. */
  take(key: string, limit: RateLimit): Promise<RateDecision>;
}
