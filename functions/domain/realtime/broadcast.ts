import type { ConnectionNotifier } from '#domain/connections/ports';
import type { Message } from '#domain/messages/ports';
import { messageJson } from '#shared/presenters';
import type { ConnectionDirectory, Subscription, SubscriptionStore } from './ports.ts';

/** The ports `makeBroadcast` delivers through. */
export interface BroadcastDeps {
  subscriptions: SubscriptionStore;
  connections: ConnectionDirectory;
  notifier: ConnectionNotifier;
  /** Posts in flight at once: fast for large channels, gentle on API Gateway's rate limits. */
  concurrency?: number;
  now?: () => Date;
  log?: (message: string, details: Record<string, unknown>) => void;
}

/** How many subscriptions of the channel each outcome met. */
export interface BroadcastResult {
  delivered: number;
  gone: number;
  expired: number;
  failed: number;
}

/**
 * Delivers a stored message to every connection subscribed to its channel, as `message:new` with
 * `isOwnMessage` for each recipient. A connection that is gone is forgotten and does not stop the
 * others; a stale record (past its TTL, not yet deleted) is skipped; a connection whose access token has
 * expired receives nothing more and is closed.
 */
export function makeBroadcast({
  subscriptions,
  connections,
  notifier,
  concurrency = 25,
  now = () => new Date(),
  log = () => {},
}: BroadcastDeps) {
  return async (message: Message): Promise<BroadcastResult> => {
    const result: BroadcastResult = { delivered: 0, gone: 0, expired: 0, failed: 0 };
    // Recipients differ only in isOwnMessage: the sender's frame and everyone else's, built once.
    const frameFor = (own: boolean) => ({
      type: 'message:new',
      data: { message: messageJson(message, own ? message.userId : undefined) },
    });
    const ownFrame = frameFor(true);
    const othersFrame = frameFor(false);

    async function deliver(subscription: Subscription) {
      const at = now();
      if (subscription.expiresAt <= at) {
        result.expired++;
        return;
      }
      if (subscription.tokenExpiresAt <= at) {
        result.expired++;
        // A throw here would fail the whole event, and Lambda's retry would deliver it to everyone again.
        await connections
          .close(subscription.connectionId)
          .catch(() => connections.forget(subscription.connectionId))
          .catch((error: unknown) =>
            log('Closing an expired connection failed', { connectionId: subscription.connectionId, error }),
          );
        return;
      }
      try {
        const own = subscription.userId === message.userId;
        const sent = await notifier.send(subscription.connectionId, own ? ownFrame : othersFrame);
        if (sent) {
          result.delivered++;
        } else {
          result.gone++;
          await connections.forget(subscription.connectionId);
        }
      } catch (error) {
        result.failed++;
        log('Delivery failed', { connectionId: subscription.connectionId, error });
      }
    }

    for await (const page of subscriptions.ofChannel(message.channelId)) {
      await inPool(page, concurrency, deliver);
    }
    return result;
  };
}

/** Runs `work` over `items` with at most `size` in flight. */
async function inPool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
}
