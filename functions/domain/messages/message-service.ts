import type { ChannelService } from '#domain/channels/channel-service';
import type { Caller } from '#domain/identity/caller';
import { type Quota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import type { DeliveryQueue, Message, MessageStore, PageQuery } from './ports.ts';

/** The ports the message use cases need. */
export interface MessageServiceDeps {
  channels: Pick<ChannelService, 'visible'>;
  messages: MessageStore;
  deliveries: DeliveryQueue;
  /** Charges one unit of a quota to an id, or throws `rate-limited`. */
  chargeQuota: (quota: Quota, id: string) => Promise<void>;
  onDeliveryError?: (error: unknown, message: Message) => void;
}

/** What a client sends; already validated for shape (lengths, characters). */
export interface SendRequest {
  channelId: string;
  content: string;
  clientMessageId: string | null;
  attachments: unknown[];
}

/** A page of history, with the channel's message count as `total`. */
export interface ReadResult {
  messages: Message[];
  total: number;
  hasMore: boolean;
}

/**
 * Sending and reading messages, one code path for HTTP and WebSocket. A send is stored first (that is
 * what `201`/`message:saved` promise) and then queued for delivery; a failure to queue is reported to
 * `onDeliveryError` and never fails the stored send: subscribers catch up with `after=`.
 */
export function makeMessageService({
  channels,
  messages,
  deliveries,
  chargeQuota,
  onDeliveryError = () => {},
}: MessageServiceDeps) {
  return {
    async send(caller: Caller, request: SendRequest): Promise<{ message: Message; created: boolean }> {
      await channels.visible(request.channelId, caller);
      await chargeQuota(quotas.messageSends, caller.userId);
      const stored = await messages.insert({
        channelId: request.channelId,
        userId: caller.userId,
        userName: caller.userName,
        content: request.content,
        clientMessageId: request.clientMessageId,
        attachments: request.attachments,
      });
      if (!stored) throw new DomainError('not-found', 'No such channel.');
      if (stored.created) {
        await deliveries
          .enqueue(stored.message)
          .catch((error: unknown) => onDeliveryError(error, stored.message));
      }
      return stored;
    },

    async read(caller: Caller | undefined, channelId: string, query: PageQuery): Promise<ReadResult> {
      const { channel } = await channels.visible(channelId, caller);
      const page = await messages.page(channelId, query);
      return { messages: page.messages, hasMore: page.hasMore, total: channel.messageCount };
    },
  };
}
