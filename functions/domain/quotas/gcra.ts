import type { RateDecision, RateLimit, RateLimiter } from './ports.ts';

/**
 * One key's state under the generic cell rate algorithm: its theoretical arrival time (TAT), the moment
 * by which every request taken so far would have been spent at the sustained rate.
 */
export interface RateStateStore {
  /** The stored TAT (epoch milliseconds), or `undefined` when the key has none. */
  read(key: string): Promise<number | undefined>;
  /**
   * Stores `tat` if the stored TAT is still `expected` (`undefined`: still none), so that of two takes
   * racing on one key only one wins. `expiresAt` lets the store forget the key once it no longer matters.
   * @returns `false` when another take changed the key first.
   */
  write(key: string, tat: number, expected: number | undefined, expiresAt: Date): Promise<boolean>;
}

/** Where `makeGcraRateLimiter` keeps its state, and its clock. */
export interface GcraRateLimiterDeps {
  state: RateStateStore;
  now?: () => Date;
  /** Reads and conditional writes to try before refusing a take that keeps losing races. */
  maxAttempts?: number;
}

/** How long past its TAT a key's state is kept: a little slack for clocks that disagree. */
const keepAfterTatMs = 60_000;

/**
 * A rate limiter shared by every container: GCRA over a store with conditional writes. A take reads the
 * key's TAT, decides, and writes the new TAT only if nobody else did in between, retrying when it lost.
 * Every round of a race has one winner, so takes make progress; a take that still loses after
 * `maxAttempts` is refused for a second, as the key is plainly being hammered.
 */
export function makeGcraRateLimiter({
  state,
  now = () => new Date(),
  maxAttempts = 25,
}: GcraRateLimiterDeps): RateLimiter {
  return {
    async take(key: string, limit: RateLimit): Promise<RateDecision> {
      for (let attempt = 0; attempt < maxAttempts; attempt++) {
        const stored = await state.read(key);
        const decision = gcra(stored, now().getTime(), limit);
        if (!decision.allowed) return { allowed: false, retryAfterSeconds: decision.retryAfterSeconds };
        const expiresAt = new Date(Math.ceil((decision.tat + keepAfterTatMs) / 1000) * 1000);
        if (await state.write(key, decision.tat, stored, expiresAt)) return { allowed: true };
      }
      return { allowed: false, retryAfterSeconds: 1 };
    },
  };
}

/**
 * GCRA's decision: with emission interval T = period / rate, a request is allowed when the new TAT
 * (the later of the stored TAT and now, plus T) is no more than `burst` intervals ahead of now.
 */
export function gcra(
  storedTat: number | undefined,
  nowMs: number,
  limit: RateLimit,
): { allowed: true; tat: number } | { allowed: false; retryAfterSeconds: number } {
  const interval = (limit.periodSeconds * 1000) / limit.rate;
  const tat = Math.max(storedTat ?? nowMs, nowMs) + interval;
  const waitMs = tat - nowMs - limit.burst * interval;
  if (waitMs <= 0) return { allowed: true, tat };
  return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
}
