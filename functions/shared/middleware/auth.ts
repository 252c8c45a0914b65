import type { Context } from 'aws-lambda';
import { wiring } from '#adapters/wiring';
import type { Authenticate } from '#domain/identity/authenticate';
import type { Caller } from '#domain/identity/caller';
import { DomainError } from '../errors.ts';
import { logger } from '../logger.ts';
import { type HttpEvent, type HttpResult, httpHandler } from './http.ts';

/** Who may call a route: `anyone` (anonymous too), any `user` (person or bot), or only a `person`. */
export type Who = 'anyone' | 'user' | 'person';

/** What an authenticated handler receives; `caller` is always set unless the route is open to anyone. */
export interface AuthenticatedRequest<W extends Who> {
  event: HttpEvent;
  caller: W extends 'anyone' ? Caller | undefined : Caller;
  context: Context;
}

/** Who may call the route, and (in tests) how callers are authenticated. */
export interface AuthenticatedHandlerOptions<W extends Who> {
  who: W;
  /** Replaces the authenticator built from the environment (tests, and the health check's own). */
  authenticate?: Authenticate;
}

/**
 * The HTTP stack (`httpHandler`) plus authentication: the caller comes from `Authorization: Bearer` or
 * `X-Api-Key`, and a present but invalid credential is refused even where anyone may call. Where a user
 * is required, no credential is `unauthorized`; where a person is, a bot is `forbidden`. The caller's
 * `userId` joins every log line (never a token or a key).
 */
export function authenticatedHandler<W extends Who>(
  options: AuthenticatedHandlerOptions<W>,
  handler: (request: AuthenticatedRequest<W>) => Promise<HttpResult>,
) {
  return httpHandler(async (event, context) => {
    const authenticate = options.authenticate ?? wiring.authenticate();
    const caller = await authenticate(event.headers ?? {});
    if (caller) {
      logger.appendKeys({ userId: caller.userId, callerKind: caller.kind });
    } else if (options.who !== 'anyone') {
      throw new DomainError('unauthorized', 'Sign in, or send an API key, to do this.');
    }
    if (options.who === 'person' && caller?.kind !== 'person') {
      throw new DomainError('forbidden', 'Only a signed-in person can do this; bots cannot.');
    }
    return handler({ event, caller, context } as AuthenticatedRequest<W>);
  });
}
