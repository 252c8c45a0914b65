import { DomainError } from '#shared/errors';
import type { RateLimit, RateLimiter } from './ports.ts';

/**
 * How many WebSocket frames a client may send, checked before a route does anything else. API
 * Gateway's stage throttling is shared by everyone, so one flooding client would spend it (and the
 * routes' Lambda concurrency) for all; these budgets keep the flood on the flooder.
 */
export const frameBudgets = {
  /** Frames one connection sends, whatever their type. */
  connection: { rate: 10, periodSeconds: 1, burst: 30 } satisfies RateLimit,
  /** Frames one user sends over all their connections (at most 20 of them). */
  user: { rate: 20, periodSeconds: 1, burst: 60 } satisfies RateLimit,
  /**
   * Refused frames a connection may send before it is closed: 10 at once, then one every 2 s. A client
   * that waits the retry delay it is given never gets near it; one that ignores it is closed within
   * about a second of flooding.
   */
  refusals: { rate: 1, periodSeconds: 2, burst: 10 } satisfies RateLimit,
};

/** What {@link makeChargeFrame} decided about a frame that is over budget. */
export class FrameOverBudgetError extends DomainError {
  /** Whether the connection has kept exceeding its budget and is to be closed. */
  readonly closeConnection: boolean;

  constructor(retryAfterSeconds: number, closeConnection: boolean) {
    super(
      'rate-limited',
      closeConnection
        ? 'Too many frames: this connection kept exceeding its budget and is closed. Reconnect later, and wait the retry delay when refused.'
        : `Too many frames; try again in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
    );
    this.closeConnection = closeConnection;
  }
}

/**
 * Charges one frame to its connection's and its user's budgets (`userId` is undefined only for a
 * connection without an authenticated user). Over budget it throws {@link FrameOverBudgetError}, and
 * counts the refusal: one refusal too many marks the connection to be closed.
 */
export function makeChargeFrame({ rateLimiter }: { rateLimiter: RateLimiter }) {
  return async (connectionId: string, userId: string | undefined): Promise<void> => {
    const byConnection = await rateLimiter.take(`frame-conn#${connectionId}`, frameBudgets.connection);
    const decision =
      byConnection.allowed && userId !== undefined
        ? await rateLimiter.take(`frame-user#${userId}`, frameBudgets.user)
        : byConnection;
    if (decision.allowed) return;
    const strike = await rateLimiter.take(`frame-refused#${connectionId}`, frameBudgets.refusals);
    throw new FrameOverBudgetError(decision.retryAfterSeconds, !strike.allowed);
  };
}
