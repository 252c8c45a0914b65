import { describe, expect, it } from 'vitest';
import { makeGcraRateLimiter } from '#domain/quotas/gcra';
import { makeChargeQuota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import { fakeClock, memoryRateStates } from './support/fakes.ts';

function chargeQuota() {
  const states = memoryRateStates();
  const clock = fakeClock();
  return {
    states,
    clock,
    charge: makeChargeQuota({ rateLimiter: makeGcraRateLimiter({ state: states.store, now: clock.now }) }),
  };
}

describe('charging a quota', () => {
  it('keys the budget by scope and id', async () => {
    const { charge, states } = chargeQuota();

    await charge(quotas.messageSends, 'user-1');

    expect([...states.items.keys()]).toEqual(['send#user-1']);
  });

  it('refuses with rate-limited and the wait once the budget is spent', async () => {
    const { charge } = chargeQuota();
    for (let i = 0; i < 10; i++) await charge(quotas.channelCreations, 'user-1');

    const refusal = await charge(quotas.channelCreations, 'user-1').catch((error: unknown) => error);

    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ kind: 'rate-limited', retryAfterSeconds: 360 });
    expect((refusal as Error).message).toMatch(/new channels/);
  });

  it('lets an API key make 100 requests a minute', async () => {
    const { charge, clock } = chargeQuota();
    for (let i = 0; i < 100; i++) await charge(quotas.apiKeyRequests, 'key-1');
    await expect(charge(quotas.apiKeyRequests, 'key-1')).rejects.toMatchObject({ kind: 'rate-limited' });

    clock.advance(60_000);

    for (let i = 0; i < 100; i++) await charge(quotas.apiKeyRequests, 'key-1');
  });
});
