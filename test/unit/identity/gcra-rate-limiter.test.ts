import { describe, expect, it } from 'vitest';
import { gcra, makeGcraRateLimiter, type RateStateStore } from '#domain/quotas/gcra';
import type { RateLimit } from '#domain/quotas/ports';
import { fakeClock, memoryRateStates } from './support/fakes.ts';

const fivePerSecondBurstTwenty: RateLimit = { rate: 5, periodSeconds: 1, burst: 20 };

function limiter(options: { state?: RateStateStore; maxAttempts?: number } = {}) {
  const clock = fakeClock();
  const states = memoryRateStates();
  const rateLimiter = makeGcraRateLimiter({
    state: options.state ?? states.store,
    now: clock.now,
    maxAttempts: options.maxAttempts,
  });
  return { clock, states, rateLimiter };
}

async function takeMany(take: () => Promise<{ allowed: boolean }>, count: number) {
  let allowed = 0;
  for (let i = 0; i < count; i++) if ((await take()).allowed) allowed++;
  return allowed;
}

describe('the GCRA rate limiter', () => {
  it('allows a full burst at once, then refuses', async () => {
    const { rateLimiter } = limiter();

    const allowed = await takeMany(() => rateLimiter.take('send#u1', fivePerSecondBurstTwenty), 25);

    expect(allowed).toBe(20);
  });

  it('says when to retry, rounded up to whole seconds', async () => {
    const { rateLimiter } = limiter();
    const tenPerMinute: RateLimit = { rate: 10, periodSeconds: 60, burst: 10 };
    await takeMany(() => rateLimiter.take('k', tenPerMinute), 10);

    expect(await rateLimiter.take('k', tenPerMinute)).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('never asks to wait less than one second', async () => {
    const { rateLimiter } = limiter();
    await takeMany(() => rateLimiter.take('k', fivePerSecondBurstTwenty), 20);

    // The next slot frees up in 200 ms.
    expect(await rateLimiter.take('k', fivePerSecondBurstTwenty)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
  });

  it('refills at the sustained rate', async () => {
    const { rateLimiter, clock } = limiter();
    await takeMany(() => rateLimiter.take('k', fivePerSecondBurstTwenty), 20);

    clock.advance(1_000);

    expect(await takeMany(() => rateLimiter.take('k', fivePerSecondBurstTwenty), 10)).toBe(5);
  });

  it('forgives a quiet spell up to a full burst, not more', async () => {
    const { rateLimiter, clock } = limiter();
    await takeMany(() => rateLimiter.take('k', fivePerSecondBurstTwenty), 20);

    clock.advance(3_600_000);

    expect(await takeMany(() => rateLimiter.take('k', fivePerSecondBurstTwenty), 30)).toBe(20);
  });

  it('keeps separate budgets per key', async () => {
    const { rateLimiter } = limiter();
    await takeMany(() => rateLimiter.take('send#alice', fivePerSecondBurstTwenty), 20);

    expect(await rateLimiter.take('send#bob', fivePerSecondBurstTwenty)).toEqual({ allowed: true });
  });

  it('stores the theoretical arrival time with an expiry shortly after it', async () => {
    const { rateLimiter, states, clock } = limiter();

    await rateLimiter.take('k', { rate: 1, periodSeconds: 10, burst: 5 });

    const item = states.items.get('k');
    expect(item?.tat).toBe(clock.now().getTime() + 10_000);
    expect(item?.expiresAt.getTime()).toBe(clock.now().getTime() + 10_000 + 60_000);
  });

  it('does not write when it refuses', async () => {
    const { rateLimiter, states } = limiter();
    const limit: RateLimit = { rate: 1, periodSeconds: 60, burst: 1 };
    await rateLimiter.take('k', limit);
    const before = states.items.get('k');

    await rateLimiter.take('k', limit);

    expect(states.items.get('k')).toBe(before);
  });

  it('retries with a fresh read when another take wins the race', async () => {
    const states = memoryRateStates();
    let races = 2;
    const racing: RateStateStore = {
      read: (key) => states.store.read(key),
      async write(key, tat, expected, expiresAt) {
        if (races-- > 0) {
          // Someone else takes one in between this take's read and its write.
          await states.store.write(
            key,
            (expected ?? Date.parse('2026-01-01T12:00:00.000Z')) + 20_000,
            expected,
            expiresAt,
          );
          return states.store.write(key, tat, expected, expiresAt);
        }
        return states.store.write(key, tat, expected, expiresAt);
      },
    };
    const { rateLimiter, clock } = limiter({ state: racing });

    expect(await rateLimiter.take('k', { rate: 1, periodSeconds: 20, burst: 5 })).toEqual({ allowed: true });
    expect(states.items.get('k')?.tat).toBe(clock.now().getTime() + 60_000);
  });

  it('refuses a take that keeps losing races rather than looping forever', async () => {
    let writes = 0;
    const alwaysLoses: RateStateStore = {
      read: async () => undefined,
      write: async () => {
        writes++;
        return false;
      },
    };
    const { rateLimiter } = limiter({ state: alwaysLoses, maxAttempts: 4 });

    expect(await rateLimiter.take('k', fivePerSecondBurstTwenty)).toEqual({
      allowed: false,
      retryAfterSeconds: 1,
    });
    expect(writes).toBe(4);
  });
});

describe('the GCRA decision', () => {
  it('treats a stale arrival time like none', () => {
    const limit: RateLimit = { rate: 2, periodSeconds: 1, burst: 1 };

    expect(gcra(1_000, 50_000, limit)).toEqual(gcra(undefined, 50_000, limit));
  });
});
