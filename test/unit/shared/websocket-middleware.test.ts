import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { Frame } from '#domain/connections/ports';
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
  return {
    sent,
    notifier: {
      send: async (connectionId: string, frame: Frame) => {
        sent.push({ connectionId, frame });
        return true;
      },
    },
  };
}

describe('webSocketMessageHandler', () => {
  const data = z.object({ channelId: z.string().check(z.minLength(1)) });

  it('hands valid data to the handler, which replies to the sender', async () => {
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, data }, async ({ data, reply }) =>
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
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, data }, async () => {});

    await handler(event(body), context);

    expect(sent[0]?.frame).toEqual({
      type: 'error',
      data: { code: 'invalid', message: 'A frame must be a JSON object.', details: undefined },
    });
  });

  it('names the invalid fields', async () => {
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, data }, async () => {});

    await handler(event('{"type":"x","data":{}}'), context);

    expect(sent[0]?.frame).toMatchObject({
      type: 'error',
      data: { code: 'invalid', details: { 'data.channelId': expect.any(String) } },
    });
  });

  it("gives the handler the connection's caller from the authorizer context", async () => {
    const { notifier } = recordingNotifier();
    let seen: unknown;
    const handler = webSocketMessageHandler({ notifier, data: z.unknown() }, async ({ caller }) => {
      seen = caller;
    });

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
    const { notifier, sent } = recordingNotifier();
    let called = false;
    const handler = webSocketMessageHandler({ notifier, data: z.unknown() }, async () => {
      called = true;
    });

    await handler(event('{"type":"x"}', { ...authorizer, tokenExpiresAt: inAnHour - 7200 }), context);

    expect(called).toBe(false);
    expect(sent[0]?.frame).toMatchObject({ type: 'error', data: { code: 'unauthorized' } });
  });

  it('refuses frames of a connection without an authenticated user', async () => {
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, data: z.unknown() }, async () => {});

    await handler(event('{"type":"x"}', {}), context);

    expect(sent[0]?.frame).toMatchObject({ type: 'error', data: { code: 'unauthorized' } });
  });

  it('shapes error answers with onError', async () => {
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler(
      { notifier, data, onError: (_, frame) => ({ type: 'custom:error', data: frame.type }) },
      async () => {},
    );

    await handler(event('{"type":"x","data":{}}'), context);

    expect(sent[0]?.frame).toEqual({ type: 'custom:error', data: 'x' });
  });

  it('answers an unexpected failure with a generic error frame', async () => {
    const { notifier, sent } = recordingNotifier();
    const handler = webSocketMessageHandler({ notifier, data: z.unknown() }, async () => {
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
