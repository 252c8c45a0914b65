import { describe, expect, it } from 'vitest';
import { backoffDelay, connectionTimings, defaultBackoff } from '../../../web/src/realtime/backoff.ts';

describe('the reconnect schedule', () => {
  it('doubles the ceiling with each attempt', () => {
    const ceilings = [0, 1, 2, 3, 4].map((attempt) => backoffDelay(attempt, () => 0.999999));
    expect(ceilings).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
  });

  it('never waits longer than the cap, however many attempts failed', () => {
    expect(backoffDelay(10, () => 0.999999)).toBe(defaultBackoff.capMs);
    expect(backoffDelay(1_000, () => 0.999999)).toBe(defaultBackoff.capMs);
  });

  it('never waits less than the minimum, even with the luckiest draw', () => {
    expect(backoffDelay(0, () => 0)).toBe(defaultBackoff.minMs);
    expect(backoffDelay(5, () => 0)).toBe(defaultBackoff.minMs);
  });

  it('spreads clients out: the wait is drawn anywhere between the minimum and the ceiling', () => {
    expect(backoffDelay(3, () => 0.5)).toBe(Math.round(250 + 0.5 * (8_000 - 250)));
  });

  it('treats a negative or fractional attempt as the first', () => {
    expect(backoffDelay(-3, () => 0.999999)).toBe(1_000);
    expect(backoffDelay(0.7, () => 0.999999)).toBe(1_000);
  });

  it('pings well inside the 10-minute idle limit and reconnects before the 2-hour limit', () => {
    expect(connectionTimings.heartbeatMs).toBeLessThanOrEqual(5 * 60_000);
    expect(connectionTimings.plannedReconnectMs + connectionTimings.plannedReconnectJitterMs).toBeLessThan(
      2 * 3600_000,
    );
  });
});
