/**
 * When to try reconnecting: capped exponential backoff with full jitter (AWS's "Exponential Backoff
 * And Jitter"), so that many clients dropped at once do not come back at once.
 */

export interface BackoffPolicy {
  /** The first retry's ceiling. */
  readonly baseMs: number;
  /** No wait is longer than this. */
  readonly capMs: number;
  /** The shortest wait, so a broken server is not hammered even with bad luck. */
  readonly minMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 1_000, capMs: 30_000, minMs: 250 };

/**
 * The wait before reconnect attempt `attempt` (0 for the first after a drop): a uniformly random time
 * between `minMs` and `min(capMs, baseMs * 2^attempt)`. `random` returns a number in [0, 1).
 */
export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  policy: BackoffPolicy = defaultBackoff,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const upper = Math.max(policy.minMs, ceiling);
  return Math.round(policy.minMs + random() * (upper - policy.minMs));
}

/** Timings of one connection's life, well inside API Gateway's limits. */
export const connectionTimings = {
  /** A ping this often: API Gateway closes a connection idle for 10 minutes. */
  heartbeatMs: 4 * 60_000,
  /** A connection that has heard nothing for this long (two heartbeats' answers missed) is dead. */
  silenceMs: 9 * 60_000,
  /** Reconnect on purpose before API Gateway's 2-hour maximum, at a random point in the last 10 minutes. */
  plannedReconnectMs: 110 * 60_000,
  plannedReconnectJitterMs: 5 * 60_000,
} as const;
