import type { DatabaseError } from 'pg';

/**
 * An error answered the way the RDS Data API answers it: the HTTP status, the `x-amzn-ErrorType` header
 * (which the SDK turns into the exception class) and a `{"message"}` body.
 */
export class DataApiError extends Error {
  /** Exception name, sent as `x-amzn-ErrorType`. */
  readonly type: string;
  /** HTTP status code. */
  readonly status: number;
  /** Extra members of the error body (e.g. `dbConnectionId`). */
  readonly extra: Record<string, unknown>;

  constructor(type: string, status: number, message: string, extra: Record<string, unknown> = {}) {
    super(message);
    this.name = type;
    this.type = type;
    this.status = status;
    this.extra = extra;
  }
}

/** Bad input that AWS rejects before reaching the database (Serverless v2 uses `ValidationException`). */
export function validationError(message: string): DataApiError {
  return new DataApiError('ValidationException', 400, message);
}

/** The SQL statement failed, or the database refused the request. */
export function databaseError(message: string): DataApiError {
  return new DataApiError('DatabaseErrorException', 400, message);
}

/** Unknown, finished, expired or aborted transaction id. */
export function transactionNotFound(transactionId: string): DataApiError {
  return new DataApiError('TransactionNotFoundException', 404, `Transaction ${transactionId} is not found`);
}

/** A second call arrived for a transaction whose previous call has not finished. */
export function transactionBusy(): DataApiError {
  return databaseError('Transaction is still running a query');
}

/** The call ran past the statement timeout. */
export function statementTimeout(dbConnectionId: number): DataApiError {
  return new DataApiError('StatementTimeoutException', 400, 'Query timed out', { dbConnectionId });
}

/** The result is over the response size limit. */
export function responseTooLarge(): DataApiError {
  return databaseError('Database returned more than the allowed response size limit');
}

/** The result holds a type the Data API cannot represent. */
export function unsupportedResult(message: string): DataApiError {
  return new DataApiError('UnsupportedResultException', 400, message);
}

/** Aurora Serverless v2 is resuming from 0 ACU; the caller should retry in a few seconds. */
export function databaseResuming(instanceId: string): DataApiError {
  return new DataApiError(
    'DatabaseResumingException',
    400,
    `The Aurora DB instance ${instanceId} is resuming after being auto-paused. Please wait a few seconds and try again.`,
  );
}

/** `resourceArn` names no cluster with the Data API enabled. */
export function httpEndpointNotEnabled(resourceArn: string): DataApiError {
  return new DataApiError(
    'HttpEndpointNotEnabledException',
    400,
    `HttpEndpoint is not enabled for resource ${resourceArn}`,
  );
}

/** `secretArn` names no secret the Data API can read. */
export function secretNotFound(): DataApiError {
  return new DataApiError('SecretsErrorException', 400, "Secrets Manager can't find the specified secret.");
}

/** The database server cannot be reached. */
function databaseUnavailable(): DataApiError {
  return new DataApiError(
    'DatabaseUnavailableException',
    504,
    "The writer instance in the DB cluster isn't available.",
  );
}

/** A fault in the emulator itself. */
export function internalError(): DataApiError {
  return new DataApiError('InternalServerErrorException', 500, 'An internal error occurred.');
}

/** No operation at this path. */
export function unknownOperation(method: string, path: string): DataApiError {
  return new DataApiError('UnknownOperationException', 404, `No operation for ${method} ${path}`);
}

/**
 * Wraps a PostgreSQL error as Aurora Serverless v2's Data API does: `DatabaseErrorException` whose message is
 * `ERROR: <message>`, then `Detail`, `Hint` and `Where` on indented lines, then `; Position: <n>` and
 * `; SQLState: <code>`, e.g. `ERROR: duplicate key value violates unique constraint "users_pkey"\n  Detail:
 * Key (id)=(1) already exists.; SQLState: 23505`. `originalPosition` maps a position in the SQL sent to
 * PostgreSQL back to the caller's SQL.
 */
export function fromPostgresError(
  error: DatabaseError,
  originalPosition: (position: number) => number = (position) => position,
): DataApiError {
  let message = `${error.severity ?? 'ERROR'}: ${error.message}`;
  if (error.detail) message += `\n  Detail: ${error.detail}`;
  if (error.hint) message += `\n  Hint: ${error.hint}`;
  if (error.where) message += `\n  Where: ${error.where}`;
  if (error.position) message += `; Position: ${originalPosition(Number(error.position))}`;
  message += `; SQLState: ${error.code}`;
  return databaseError(message);
}

/** True when the link to PostgreSQL failed (refused, reset, closed), as opposed to a statement failing. */
export function isConnectionFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code) ||
    /Connection terminated/i.test(error.message)
  );
}

/**
 * Turns anything thrown while serving a call into the error to answer: PostgreSQL errors as
 * `DatabaseErrorException`, a lost database as `DatabaseUnavailableException`, the unexpected as a 500.
 */
export function toDataApiError(error: unknown): DataApiError {
  if (error instanceof DataApiError) return error;
  if (isPostgresError(error)) return fromPostgresError(error);
  if (isConnectionFailure(error)) return databaseUnavailable();
  return internalError();
}

/** True for an error PostgreSQL itself reported (it carries a SQLSTATE). */
export function isPostgresError(error: unknown): error is DatabaseError {
  return (
    error instanceof Error &&
    typeof (error as DatabaseError).code === 'string' &&
    /^[0-9A-Z]{5}$/.test((error as DatabaseError).code ?? '')
  );
}
