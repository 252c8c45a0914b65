import type { Connection } from './connections.ts';
import { statementTimeout } from './errors.ts';

/** How a call's deadline behaves. */
export interface DeadlineOptions {
  timeoutMs: number;
  /** Keep the statement running after the call times out (the Data API's `continueAfterTimeout`). */
  continueAfterTimeout: boolean;
  /** Cancels the statement a backend is running. */
  cancel(processId: number): Promise<void>;
}

/** A unit of database work raced against the call's deadline. */
export interface DeadlineRun<T> {
  /** The work's outcome, or `StatementTimeoutException` as soon as the deadline passes. */
  answer: Promise<T>;
  /**
   * Settles once the database is really done with the connection (finished, or cancelled and unwound),
   * with the work's error or `undefined`: only then may the connection be reused.
   */
  finished: Promise<unknown>;
}

/**
 * Runs `work` on `connection` with the Data API's call timeout: past it the call answers
 * `StatementTimeoutException` and the statement is cancelled, unless the caller asked to continue.
 */
export function runWithDeadline<T>(
  connection: Connection,
  work: () => Promise<T>,
  options: DeadlineOptions,
): DeadlineRun<T> {
  const outcome = work();
  let timer: NodeJS.Timeout | undefined;
  let cancelling: Promise<void> = Promise.resolve();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      if (!options.continueAfterTimeout) cancelling = options.cancel(connection.processID).catch(() => {});
      reject(statementTimeout(connection.processID));
    }, options.timeoutMs);
  });
  const finished = outcome.then(
    () => undefined,
    (error: unknown) => error,
  );
  return {
    answer: Promise.race([outcome, deadline]),
    finished: finished.then(async (error) => {
      clearTimeout(timer);
      // The cancel request travels on its own connection; wait for it so it cannot hit a later statement.
      await cancelling;
      return error;
    }),
  };
}
