/**
 * The Data API reports PostgreSQL errors as `DatabaseErrorException` whose message ends with
 * `SQLState: <code>`; the exception name alone does not say which error it was.
 */
export function sqlState(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : '';
  return /SQLState: ([0-9A-Z]{5})/.exec(message)?.[1];
}

/** 23505: a unique constraint refused the row. */
export const uniqueViolation = '23505';
