/** What went wrong, independent of the transport that reports it. */
export type ErrorKind =
  | 'invalid'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'rate-limited'
  | 'unavailable';

/** What a `DomainError` may carry besides its kind and message. */
export interface DomainErrorOptions {
  cause?: unknown;
  /** Offending fields, for `invalid`: field path → what is wrong with it. */
  details?: Record<string, string>;
  /** For `rate-limited` and `unavailable`: when a retry may succeed. */
  retryAfterSeconds?: number;
}

/**
 * An error the domain means to report to the caller. The HTTP and WebSocket middleware map its `kind`
 * to a status or an error frame; anything that is not a `DomainError` is a bug and becomes a generic 500.
 */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly details: Record<string, string> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(kind: ErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.name = 'DomainError';
    this.kind = kind;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** The contract's machine-readable error code for each kind (`not_found`, `rate_limited`, ...). */
function errorCode(kind: ErrorKind): string {
  return kind.replace('-', '_');
}

/**
 * The `code` and `message` (and `details` for `invalid`) that describe a failure to a client, over
 * HTTP or WebSocket; anything but a `DomainError` is `internal`, and its internals never leak.
 */
export function errorData(error: unknown): {
  code: string;
  message: string;
  details?: Record<string, string>;
} {
  if (error instanceof DomainError) {
    return { code: errorCode(error.kind), message: error.message, details: error.details };
  }
  return { code: 'internal', message: 'Something went wrong on our side.' };
}
