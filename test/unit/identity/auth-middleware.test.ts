import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import type { Authenticate } from '#domain/identity/authenticate';
import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import { authenticatedHandler } from '#shared/middleware/auth';
import { type HttpEvent, json } from '#shared/middleware/http';

const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;
const person: Caller = { userId: 'p1', userName: 'pat', kind: 'person', accessUserId: 'p1', isAdmin: false };
const bot: Caller = {
  userId: 'b1',
  userName: 'bot',
  kind: 'bot',
  accessUserId: 'p1',
  isAdmin: false,
  apiKeyId: 'b1',
};

const event = (headers: Record<string, string> = {}) =>
  ({ rawPath: '/api/x', headers, requestContext: {} }) as unknown as HttpEvent;

/** An authenticator that knows two credentials, and records what it was asked. */
function fakeAuthenticate(): Authenticate & { seen: unknown[] } {
  const seen: unknown[] = [];
  const authenticate = async (headers: Record<string, string | undefined>) => {
    seen.push(headers);
    if (headers.authorization === 'Bearer person') return person;
    if (headers['x-api-key'] === 'bot') return bot;
    if (headers.authorization || headers['x-api-key']) throw new DomainError('unauthorized', 'Not valid.');
    return undefined;
  };
  return Object.assign(authenticate, { seen });
}

const echo = async ({ caller }: { caller: Caller | undefined }) =>
  json(200, { userId: caller?.userId ?? null });

async function call(who: 'anyone' | 'user' | 'person', headers: Record<string, string> = {}) {
  const handler = authenticatedHandler({ who, authenticate: fakeAuthenticate() }, echo);
  const result = await handler(event(headers), context);
  return { status: result.statusCode, body: JSON.parse(result.body ?? 'null') };
}

describe('authenticatedHandler', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('passes the caller to the handler', async () => {
    expect(await call('user', { authorization: 'Bearer person' })).toEqual({
      status: 200,
      body: { userId: 'p1' },
    });
    expect(await call('user', { 'x-api-key': 'bot' })).toEqual({ status: 200, body: { userId: 'b1' } });
  });

  it('lets anyone in where anyone may call, with no caller', async () => {
    expect(await call('anyone')).toEqual({ status: 200, body: { userId: null } });
  });

  it('still refuses an invalid credential where anyone may call', async () => {
    const { status, body } = await call('anyone', { authorization: 'Bearer expired' });

    expect(status).toBe(401);
    expect(body.error.code).toBe('unauthorized');
  });

  it('answers 401 without a credential where a user is required', async () => {
    const { status, body } = await call('user');

    expect(status).toBe(401);
    expect(body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('answers 403 to a bot where a person is required', async () => {
    const { status, body } = await call('person', { 'x-api-key': 'bot' });

    expect(status).toBe(403);
    expect(body.error.code).toBe('forbidden');
  });

  it('answers 401, not 403, to nobody where a person is required', async () => {
    expect((await call('person')).status).toBe(401);
  });

  it('passes the request event through, with a missing headers map read as none', async () => {
    const authenticate = fakeAuthenticate();
    let seenPath: string | undefined;
    const handler = authenticatedHandler({ who: 'anyone', authenticate }, async (request) => {
      seenPath = request.event.rawPath;
      return json(200, {});
    });

    await handler({ rawPath: '/api/y', requestContext: {} } as unknown as HttpEvent, context);

    expect(seenPath).toBe('/api/y');
    expect(authenticate.seen).toEqual([{}]);
  });

  it("adds the caller's id to the log keys, never the credential", async () => {
    const appendKeys = vi.spyOn(logger, 'appendKeys');

    await call('user', { authorization: 'Bearer person' });

    expect(appendKeys).toHaveBeenCalledWith({ userId: 'p1', callerKind: 'person' });
    expect(JSON.stringify(appendKeys.mock.calls)).not.toContain('Bearer');
  });

  it('types the caller as required unless anyone may call', () => {
    authenticatedHandler({ who: 'user' }, async ({ caller }) => {
      expectTypeOf(caller).toEqualTypeOf<Caller>();
      return json(200, {});
    });
    authenticatedHandler({ who: 'person' }, async ({ caller }) => {
      expectTypeOf(caller).toEqualTypeOf<Caller>();
      return json(200, {});
    });
    authenticatedHandler({ who: 'anyone' }, async ({ caller }) => {
      expectTypeOf(caller).toEqualTypeOf<Caller | undefined>();
      return json(200, {});
    });
  });
});
