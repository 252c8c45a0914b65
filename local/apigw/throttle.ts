/** A stage's throttling settings, as the stack sets them (`DefaultRouteSettings`). */
export interface StageThrottle {
  /** Steady requests (or messages) per second. */
  readonly rateLimit: number;
  /** Bucket size: the burst let through at once. */
  readonly burstLimit: number;
}

/**
 * API Gateway's token bucket: `burstLimit` tokens, refilled at `rateLimit` a second; a request takes
 * one or is throttled. Returns the taker, or one that never throttles when there is no setting.
 */
export function tokenBucket(throttle: StageThrottle | undefined): () => boolean {
  if (!throttle) return () => true;
  let tokens = throttle.burstLimit;
  let last = performance.now();
  return () => {
    const now = performance.now();
    tokens = Math.min(throttle.burstLimit, tokens + ((now - last) / 1000) * throttle.rateLimit);
    last = now;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
