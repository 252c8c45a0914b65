import { canonicalChannelId } from '#domain/channels/access';
import type { ChannelService, SubscriptionRevoker } from '#domain/channels/channel-service';
import type { ConnectionNotifier } from '#domain/connections/ports';
import type { ConnectedCaller } from '#domain/identity/caller';
import type { SubscriptionStore } from './ports.ts';

/** The connection a WebSocket frame arrived on, and who opened it. */
export interface ConnectionContext {
  connectionId: string;
  /** Who opened it, with the expiry of their access token. */
  caller: ConnectedCaller;
}

/** The ports the subscription use cases need. */
export interface SubscriptionDeps {
  channels: Pick<ChannelService, 'visible'>;
  subscriptions: SubscriptionStore;
  notifier: ConnectionNotifier;
  /** How long a subscription record lives at most (a connection's maximum life). */
  ttlSeconds: number;
  now?: () => Date;
  log?: (message: string, details: Record<string, unknown>) => void;
}

/**
 * Subscribing and unsubscribing a connection, with the same access rule as reading, and revoking
 * subscriptions when access ends (each revoked connection is told with `channel:unsubscribed`).
 */
export function makeSubscriptions({
  channels,
  subscriptions,
  notifier,
  ttlSeconds,
  now = () => new Date(),
  log = () => {},
}: SubscriptionDeps) {
  async function revokeWhere(channelId: string, match: (userId: string) => boolean) {
    for await (const page of subscriptions.ofChannel(channelId)) {
      for (const subscription of page.filter((s) => match(s.userId))) {
        await subscriptions.remove(channelId, subscription.connectionId);
        // The notice is a courtesy: the access change is already done and must not fail because of it.
        await notifier
          .send(subscription.connectionId, {
            type: 'channel:unsubscribed',
            data: { channelId, reason: 'access_revoked' },
          })
          .catch((error: unknown) =>
            log('Revocation notice failed', { connectionId: subscription.connectionId, error }),
          );
      }
    }
  }

  const revoker: SubscriptionRevoker = {
    revokeChannel: (channelId) => revokeWhere(channelId, () => true),
    revokeUser: (channelId, userId) => revokeWhere(channelId, (subscriber) => subscriber === userId),
  };

  return {
    async subscribe({ connectionId, caller }: ConnectionContext, channelId: string) {
      // Fan-out looks subscriptions up by the stored (lower-case) id, whatever case the client used.
      const { channel } = await channels.visible(channelId, caller);
      await subscriptions.put({
        channelId: channel.id,
        connectionId,
        userId: caller.userId,
        expiresAt: new Date(now().getTime() + ttlSeconds * 1000),
        tokenExpiresAt: caller.expiresAt,
      });
      // Access may have ended between the check and the write, and the revocation that ended it may
      // have looked for subscriptions before this one existed: check again now that it is in place.
      try {
        await channels.visible(channel.id, caller);
      } catch (error) {
        await subscriptions.remove(channel.id, connectionId);
        throw error;
      }
    },

    async unsubscribe({ connectionId }: ConnectionContext, channelId: string) {
      await subscriptions.remove(canonicalChannelId(channelId), connectionId);
    },

    revoker,
  };
}

/** The subscription use cases, as `makeSubscriptions` builds them. */
export type Subscriptions = ReturnType<typeof makeSubscriptions>;
