import { describe, expect, it } from 'vitest';
import type { Message } from '#domain/messages/ports';
import { makeBroadcast } from '#domain/realtime/broadcast';
import { memorySubscriptions, recordingNotifier } from '../support/fakes.ts';

const now = new Date('2026-01-01T12:00:00.000Z');
const later = new Date('2026-01-01T13:00:00.000Z');
const earlier = new Date('2026-01-01T11:00:00.000Z');

const message: Message = {
  id: 'm1',
  channelId: 'c1',
  seq: 7,
  userId: 'alice',
  userName: 'alice',
  content: 'hi',
  clientMessageId: null,
  attachments: [],
  createdAt: now,
};

async function setup(gone: string[] = []) {
  const subscriptions = memorySubscriptions(2);
  const notifier = recordingNotifier(new Set(gone));
  const forgotten: string[] = [];
  const closed: string[] = [];
  const broadcast = makeBroadcast({
    subscriptions: subscriptions.store,
    notifier,
    connections: {
      forget: async (id) => void forgotten.push(id),
      close: async (id) => void closed.push(id),
    },
    concurrency: 2,
    now: () => now,
  });
  const subscribe = (
    connectionId: string,
    userId: string,
    extra: { expiresAt?: Date; tokenExpiresAt?: Date } = {},
  ) =>
    subscriptions.store.put({
      channelId: 'c1',
      connectionId,
      userId,
      expiresAt: extra.expiresAt ?? later,
      tokenExpiresAt: extra.tokenExpiresAt ?? later,
    });
  return { broadcast, notifier, forgotten, closed, subscribe, subscriptions };
}

describe('broadcast', () => {
  it('delivers message:new to every subscriber across pages, isOwnMessage per recipient', async () => {
    const { broadcast, notifier, subscribe } = await setup();
    await subscribe('a1', 'alice');
    await subscribe('b1', 'bob');
    await subscribe('b2', 'bob');

    const result = await broadcast(message);

    expect(result).toEqual({ delivered: 3, gone: 0, expired: 0, failed: 0 });
    const own = Object.fromEntries(
      notifier.sent.map(({ connectionId, frame }) => [
        connectionId,
        (frame.data as { message: { isOwnMessage: boolean } }).message.isOwnMessage,
      ]),
    );
    expect(own).toEqual({ a1: true, b1: false, b2: false });
    expect(notifier.sent[0]?.frame).toMatchObject({
      type: 'message:new',
      data: { message: { seq: 7, content: 'hi' } },
    });
  });

  it('forgets a gone connection and still delivers to the others', async () => {
    const { broadcast, notifier, forgotten, subscribe } = await setup(['b1']);
    await subscribe('a1', 'alice');
    await subscribe('b1', 'bob');
    await subscribe('c1', 'carol');

    const result = await broadcast(message);

    expect(result).toMatchObject({ delivered: 2, gone: 1 });
    expect(forgotten).toEqual(['b1']);
    expect(notifier.sent.map((s) => s.connectionId).sort()).toEqual(['a1', 'c1']);
  });

  it('ignores a record past its TTL that DynamoDB has not deleted yet', async () => {
    const { broadcast, notifier, subscribe } = await setup();
    await subscribe('old', 'bob', { expiresAt: earlier });

    const result = await broadcast(message);

    expect(result).toMatchObject({ delivered: 0, expired: 1 });
    expect(notifier.sent).toEqual([]);
  });

  it('sends nothing to a connection whose token has expired, and closes it', async () => {
    const { broadcast, notifier, closed, subscribe } = await setup();
    await subscribe('stale', 'bob', { tokenExpiresAt: earlier });

    await broadcast(message);

    expect(notifier.sent).toEqual([]);
    expect(closed).toEqual(['stale']);
  });

  it('counts a failed post without stopping delivery', async () => {
    const { subscriptions } = await setup();
    await subscriptions.store.put({
      channelId: 'c1',
      connectionId: 'x',
      userId: 'bob',
      expiresAt: later,
      tokenExpiresAt: later,
    });
    await subscriptions.store.put({
      channelId: 'c1',
      connectionId: 'y',
      userId: 'bob',
      expiresAt: later,
      tokenExpiresAt: later,
    });
    const delivered: string[] = [];
    const broadcast = makeBroadcast({
      subscriptions: subscriptions.store,
      notifier: {
        send: async (connectionId) => {
          if (connectionId === 'x') throw new Error('throttled for good');
          delivered.push(connectionId);
          return true;
        },
      },
      connections: { forget: async () => {}, close: async () => {} },
      now: () => now,
    });

    expect(await broadcast(message)).toMatchObject({ delivered: 1, failed: 1 });
    expect(delivered).toEqual(['y']);
  });

  it('still delivers to the others when an expired connection can be neither closed nor forgotten', async () => {
    const { subscriptions } = await setup();
    await subscriptions.store.put({
      channelId: 'c1',
      connectionId: 'stale',
      userId: 'bob',
      expiresAt: later,
      tokenExpiresAt: earlier,
    });
    await subscriptions.store.put({
      channelId: 'c1',
      connectionId: 'live',
      userId: 'carol',
      expiresAt: later,
      tokenExpiresAt: later,
    });
    const delivered: string[] = [];
    const logged: string[] = [];
    const broadcast = makeBroadcast({
      subscriptions: subscriptions.store,
      notifier: {
        send: async (connectionId) => {
          delivered.push(connectionId);
          return true;
        },
      },
      connections: {
        forget: async () => {
          throw new Error('DynamoDB is down');
        },
        close: async () => {
          throw new Error('API Gateway is down');
        },
      },
      now: () => now,
      log: (text) => void logged.push(text),
    });

    expect(await broadcast(message)).toEqual({ delivered: 1, gone: 0, expired: 1, failed: 0 });
    expect(delivered).toEqual(['live']);
    expect(logged).toEqual(['Closing an expired connection failed']);
  });
});
