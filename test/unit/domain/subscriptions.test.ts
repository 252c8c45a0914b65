import { describe, expect, it } from 'vitest';
import { makeSubscriptions } from '#domain/realtime/subscriptions';
import { DomainError } from '#shared/errors';
import { connected, memorySubscriptions, recordingNotifier } from '../support/fakes.ts';

function setup(
  notifier: { send: (id: string, frame: { type: string }) => Promise<boolean> } = recordingNotifier(),
) {
  const store = memorySubscriptions();
  const logged: string[] = [];
  const subscriptions = makeSubscriptions({
    channels: {
      visible: async (channelId) => {
        if (channelId === 'hidden') throw new DomainError('not-found', 'No such channel.');
        return { channel: {} as never, role: undefined };
      },
    },
    subscriptions: store.store,
    notifier,
    ttlSeconds: 60,
    log: (message) => logged.push(message),
  });
  return { subscriptions, store, logged };
}

describe('subscriptions', () => {
  it('subscribes a connection to a channel it may read, and refuses one it may not', async () => {
    const { subscriptions, store } = setup();
    const connection = { connectionId: 'c1', caller: connected('bob') };

    await subscriptions.subscribe(connection, 'open');
    const refused = await subscriptions.subscribe(connection, 'hidden').catch((e: unknown) => e);

    expect(store.subscriptions.map((s) => [s.channelId, s.connectionId, s.userId])).toEqual([
      ['open', 'c1', 'bob'],
    ]);
    expect(refused).toMatchObject({ kind: 'not-found' });
  });

  it("revokes one user's subscriptions to a channel and tells each connection", async () => {
    const notifier = recordingNotifier();
    const { subscriptions, store } = setup(notifier);
    for (const [connectionId, user] of [
      ['b1', 'bob'],
      ['b2', 'bob'],
      ['a1', 'alice'],
    ] as const) {
      await subscriptions.subscribe({ connectionId, caller: connected(user) }, 'ch');
    }

    await subscriptions.revoker.revokeUser('ch', 'bob');

    expect(store.subscriptions.map((s) => s.connectionId)).toEqual(['a1']);
    expect(notifier.sent).toEqual([
      {
        connectionId: 'b1',
        frame: { type: 'channel:unsubscribed', data: { channelId: 'ch', reason: 'access_revoked' } },
      },
      {
        connectionId: 'b2',
        frame: { type: 'channel:unsubscribed', data: { channelId: 'ch', reason: 'access_revoked' } },
      },
    ]);
  });

  it('finishes revoking even when a notice cannot be sent', async () => {
    const { subscriptions, store, logged } = setup({ send: () => Promise.reject(new Error('throttled')) });
    await subscriptions.subscribe({ connectionId: 'b1', caller: connected('bob') }, 'ch');
    await subscriptions.subscribe({ connectionId: 'b2', caller: connected('bob') }, 'ch');

    await subscriptions.revoker.revokeChannel('ch');

    expect(store.subscriptions).toEqual([]);
    expect(logged).toEqual(['Revocation notice failed', 'Revocation notice failed']);
  });
});
