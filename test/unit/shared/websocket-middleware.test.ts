import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { Frame } from '#domain/connections/ports';
import { frameBudgets, makeChargeFrame } from '#domain/quotas/frame-budget';
import { makeGcraRateLimiter } from '#domain/quotas/gcra';
import { DomainError } from '#shared/errors';
import {
  type WebSocketEvent,
  webSocketLifecycleHandler,
  webSocketMessageHandler,
} from '#shared/middleware/websocket';

const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;
const inAnHour = Math.floor(Date.now() / 1000) + 3600;
const authorizer = { userId: 'u-1', userName: 'alice', isAdmin: false, tokenExpiresAt: inAnHour };
const event = (body?: string, context: Record<string, unknown> | undefined = authorizer) =>
  ({
    body,
    requestContext: { connectionId: 'conn-1', routeKey: 'test', authorizer: context },
  }) as unknown as WebSocketEvent;

function recordingNotifier() {
  const sent: { connectionId: string; frame: Frame }[] = [];
  const closed: string[] = [];
  return {
    sent,
    closed,
    notifier: {
      send: async (connectionId: string, frame: Frame) => {
        sent.push({ connectionId, frame });
        return true;
      },
      close: async (connectionId: string) => {
        closed.push(connectionId);
      },
    },
    chargeFrame: async () => {},
  };
}

/** A GCRA limiter over a map, on a clock the test moves. */
function memoryRateLimiter() {
  const tats = new Map<string, number>();
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const rateLimiter = makeGcraRateLimiter({
    state: {
      read: async (key) => tats.get(key),
      write: async (key, tat) => {
        tats.set(key, tat);
        return true;
      },
    },
    now: () => clock.now,
  });
  return { rateLimiter, clock };
}

describe('webSocketMessageHandler', () => {
  const data = z.object({ channelId: z.string().check(z.minLength(1)) });

  it('hands valid data to the handler, which replies to the sender', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data }, async ({ data, reply }) =>
      reply({ type: 'ok', data: data.channelId }),
    );

    const result = await handler(event('{"type":"x","data":{"channelId":"c1"}}'), context);

    expect(result.statusCode).toBe(200);
    expect(sent).toEqual([{ connectionId: 'conn-1', frame: { type: 'ok', data: 'c1' } }]);
  });

  it.each([
    ['not JSON', 'hello'],
    ['JSON null', 'null'],
    ['a JSON array', '[1]'],
  ])('answers %s with an invalid error frame', async (_, body) => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data }, async () => {});

    await handler(event(body), context);

    expect(sent[0]?.frame).toEqual({
      type: 'error',
      data: { code: 'invalid', message: 'A frame must be a JSON object.', details: undefined },
    });
  });

  it('names the invalid fields', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data }, async () => {});

    await handler(event('{"type":"x","data":{}}'), context);

    expect(sent[0]?.frame).toMatchObject({
      type: 'error',
      data: { code: 'invalid', details: { 'data.channelId': expect.any(String) } },
    });
  });

  it("gives the handler the connection's caller from the authorizer context", async () => {
    const { notifier, chargeFrame } = recordingNotifier();
    let seen: unknown;
    const handler = webSocketMessageHandler(
      { notifier, chargeFrame, data: z.unknown() },
      async ({ caller }) => {
        seen = caller;
      },
    );

    await handler(event('{"type":"x"}', { ...authorizer, isAdmin: 'true' }), context);

    expect(seen).toMatchObject({
      userId: 'u-1',
      userName: 'alice',
      kind: 'person',
      accessUserId: 'u-1',
      isAdmin: true,
    });
  });

  it('refuses frames once the connection token has expired', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    let called = false;
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data: z.unknown() }, async () => {
      called = true;
    });

    await handler(event('{"type":"x"}', { ...authorizer, tokenExpiresAt: inAnHour - 7200 }), context);

    expect(called).toBe(false);
    expect(sent[0]?.frame).toMatchObject({ type: 'error', data: { code: 'unauthorized' } });
  });

  it('refuses frames of a connection without an authenticated user', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data: z.unknown() }, async () => {});

    await handler(event('{"type":"x"}', {}), context);

    expect(sent[0]?.frame).toMatchObject({ type: 'error', data: { code: 'unauthorized' } });
  });

  it('shapes error answers with onError', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler(
      { notifier, chargeFrame, data, onError: (_, frame) => ({ type: 'custom:error', data: frame.type }) },
      async () => {},
    );

    await handler(event('{"type":"x","data":{}}'), context);

    expect(sent[0]?.frame).toEqual({ type: 'custom:error', data: 'x' });
  });

  it('answers an unexpected failure with a generic error frame', async () => {
    const { notifier, chargeFrame, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, chargeFrame, data: z.unknown() }, async () => {
      throw new Error('secret internals');
    });

    await handler(event('{"type":"x"}'), context);

    expect(sent[0]?.frame).toEqual({
      type: 'error',
      data: { code: 'internal', message: 'Something went wrong on our side.' },
    });
  });
});

describe('webSocketLifecycleHandler', () => {
  it('accepts when the handler succeeds', async () => {
    const handler = webSocketLifecycleHandler(async () => {});

    expect((await handler(event(), context)).statusCode).toBe(200);
  });

  it('refuses with the status of a domain error', async () => {
    const handler = webSocketLifecycleHandler(async () => {
      throw new DomainError('forbidden', 'no');
    });

    expect((await handler(event(), context)).statusCode).toBe(403);
  });

  it('fails the invocation on any other error', async () => {
    const handler = webSocketLifecycleHandler(async () => {
      throw new Error('table missing');
    });

    await expect(handler(event(), context)).rejects.toThrow('table missing');
  });
});

describe('frame budgets in webSocketMessageHandler', () => {
  const frame = '{"type":"ping"}';
  const setup = () => {
    const { notifier, sent, closed } = recordingNotifier();
    const { rateLimiter, clock } = memoryRateLimiter();
    let handled = 0;
    const handler = webSocketMessageHandler(
      { notifier, chargeFrame: makeChargeFrame({ rateLimiter }), data: z.unknown(), authenticated: false },
      async () => {
        handled += 1;
      },
    );
    return { handler, sent, closed, clock, handled: () => handled };
  };

  it("refuses a frame over its connection's burst with rate_limited and the retry delay, before the route", async () => {
    const { handler, sent, handled } = setup();

    for (let i = 0; i <= frameBudgets.connection.burst; i += 1) await handler(event(frame), context);

    expect(handled()).toBe(frameBudgets.connection.burst);
    expect(sent.at(-1)?.frame).toEqual({
      type: 'error',
      data: { code: 'rate_limited', message: 'Too many frames; try again in 1 s.', retryAfterSeconds: 1 },
    });
  });

  it("charges the user's budget over all their connections", async () => {
    const { handler, sent, handled } = setup();
    const on = (connectionId: string) =>
      ({
        body: frame,
        requestContext: { connectionId, routeKey: 'ping', authorizer },
      }) as unknown as WebSocketEvent;

    for (let i = 0; i < frameBudgets.user.burst + 1; i += 1) await handler(on(`conn-${i % 3}`), context);

    expect(handled()).toBe(frameBudgets.user.burst);
    expect(sent.at(-1)?.frame).toMatchObject({ type: 'error', data: { code: 'rate_limited' } });
  });

  it('closes a connection that keeps exceeding its budget, after an error frame saying why', async () => {
    const { handler, sent, closed } = setup();
    const flood = frameBudgets.connection.burst + frameBudgets.refusals.burst + 1;

    for (let i = 0; i < flood; i += 1) await handler(event(frame), context);

    expect(closed).toEqual(['conn-1']);
    expect(sent.at(-1)?.frame).toMatchObject({
      type: 'error',
      data: {
        code: 'rate_limited',
        message: expect.stringContaining('kept exceeding its budget and is closed'),
      },
    });
  });

  it('keeps a connection open that waits its retry delay', async () => {
    const { handler, closed, clock, handled } = setup();

    for (let round = 0; round < 5; round += 1) {
      for (let i = 0; i <= frameBudgets.connection.burst; i += 1) await handler(event(frame), context);
      clock.now = new Date(clock.now.getTime() + 10_000);
    }

    expect(closed).toEqual([]);
    expect(handled()).toBe(5 * frameBudgets.connection.burst);
  });
});
