import { describe, expect, it } from 'vitest';
import { makeSubscriptions } from '#domain/realtime/subscriptions';
import { DomainError } from '#shared/errors';
import { connected, memorySubscriptions, recordingNotifier } from '../support/fakes.ts';

function setup(
  notifier: { send: (id: string, frame: { type: string }) => Promise<boolean> } = recordingNotifier(),
  hidden: (channelId: string) => boolean = (channelId) => channelId === 'hidden',
) {
  const store = memorySubscriptions();
  const logged: string[] = [];
  const subscriptions = makeSubscriptions({
    channels: {
      // Like the database, the answer carries the id in its stored, lower-case spelling.
      visible: async (channelId) => {
        if (hidden(channelId)) throw new DomainError('not-found', 'No such channel.');
        return { channel: { id: channelId.toLowerCase() } as never, role: undefined };
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

  it('keys a subscription by the stored channel id, whatever case the client used', async () => {
    const { subscriptions, store } = setup();
    const connection = { connectionId: 'c1', caller: connected('bob') };

    await subscriptions.subscribe(connection, 'ABC-Def');
    expect(store.subscriptions.map((s) => s.channelId)).toEqual(['abc-def']);

    await subscriptions.unsubscribe(connection, 'ABC-DEF');
    expect(store.subscriptions).toEqual([]);
  });

  it('drops a subscription whose access ended while it was being written', async () => {
    let checks = 0;
    const { subscriptions, store } = setup(undefined, () => ++checks > 1);

    const refused = await subscriptions
      .subscribe({ connectionId: 'c1', caller: connected('bob') }, 'ch')
      .catch((e: unknown) => e);

    expect(refused).toMatchObject({ kind: 'not-found' });
    expect(checks).toBe(2);
    expect(store.subscriptions).toEqual([]);
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
