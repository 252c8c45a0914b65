import type { ChannelService } from '#domain/channels/channel-service';
import type { Caller } from '#domain/identity/caller';
import { type Quota, quotas } from '#domain/quotas/quotas';
import type { Attachment, AttachmentRequest } from '#domain/uploads/attachments';
import { DomainError } from '#shared/errors';
import { emptyContent, isBlank } from '#shared/validation';
import type { DeliveryQueue, Message, MessageStore, PageQuery } from './ports.ts';

/** The ports the message use cases need. */
export interface MessageServiceDeps {
  channels: Pick<ChannelService, 'visible'>;
  messages: MessageStore;
  deliveries: DeliveryQueue;
  /** Checks and takes the images a message attaches (see `makeAttachImages`), or throws `invalid`. */
  attachImages: (caller: Caller, requested: readonly AttachmentRequest[]) => Promise<Attachment[]>;
  /** Charges one unit of a quota to an id, or throws `rate-limited`. */
  chargeQuota: (quota: Quota, id: string) => Promise<void>;
  onDeliveryError?: (error: unknown, message: Message) => void;
}

/** What a client sends; already validated for shape (lengths, characters, at most 10 attachments). */
export interface SendRequest {
  channelId: string;
  /** May be empty, or only whitespace and invisible characters, only when there are attachments. */
  content: string;
  clientMessageId: string | null;
  attachments: AttachmentRequest[];
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
 * `onDeliveryError` and never fails the stored send: subscribers catch up with `after=`. Attached
 * images are checked and taken before anything is stored; a refused one stores nothing.
 */
export function makeMessageService({
  channels,
  messages,
  deliveries,
  attachImages,
  chargeQuota,
  onDeliveryError = () => {},
}: MessageServiceDeps) {
  return {
    async send(caller: Caller, request: SendRequest): Promise<{ message: Message; created: boolean }> {
      // Content that shows nothing is empty content, which only a message with images may have. Checked
      // before any I/O, as the body's shape is: bad input costs no statement and no quota.
      if (isBlank(request.content) && request.attachments.length === 0) {
        throw new DomainError('invalid', 'The request is invalid.', { details: { content: emptyContent } });
      }
      await channels.visible(request.channelId, caller);
      await chargeQuota(quotas.messageSends, caller.userId);
      // A repeat of a send that took its images finds them taken: answer it with the first message.
      if (request.attachments.length > 0 && request.clientMessageId !== null) {
        const sent = await messages.findSent(request.channelId, caller.userId, request.clientMessageId);
        if (sent) return { message: sent, created: false };
      }
      const attachments = await attachImages(caller, request.attachments);
      const stored = await messages.insert({
        channelId: request.channelId,
        userId: caller.userId,
        userName: caller.userName,
        content: request.content,
        clientMessageId: request.clientMessageId,
        attachments,
      });
      if (stored === 'attachments-taken') {
        throw new DomainError('invalid', 'The request is invalid.', {
          details: { attachments: 'an upload was just attached to another message' },
        });
      }
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
