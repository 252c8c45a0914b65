import type { Attachment } from '#domain/uploads/attachments';

/** A stored message. */
export interface Message {
  id: string;
  channelId: string;
  /** Assigned by the server, strictly increasing per channel. */
  seq: number;
  userId: string;
  userName: string;
  content: string;
  /** The sender's idempotency key, if it sent one. */
  clientMessageId: string | null;
  /** Images, in the order the sender gave them. */
  attachments: Attachment[];
  createdAt: Date;
}

/** A message to store; the store assigns its id, `seq` and time. */
export interface NewMessage {
  channelId: string;
  userId: string;
  userName: string;
  content: string;
  clientMessageId: string | null;
  attachments: Attachment[];
}

/** Which slice of a channel's history a page holds. */
export type PageQuery =
  /** Skip the `offset` oldest messages. */
  | { mode: 'offset'; offset: number; limit: number }
  /** The oldest `limit` messages after `seq`. */
  | { mode: 'after'; seq: number; limit: number }
  /** The newest `limit` messages before `seq`. */
  | { mode: 'before'; seq: number; limit: number };

/** A slice of a channel's history. */
export interface Page {
  /** Ascending `seq`. */
  messages: Message[];
  /** Whether more messages lie beyond the page in its direction. */
  hasMore: boolean;
}

/** Where messages live. */
export interface MessageStore {
  /**
   * Stores a message with the channel's next `seq`, unless the sender already stored one with the same
   * `clientMessageId` in the channel: then that one is returned with `created: false`. Safe under
   * concurrent repeats. Undefined when the channel no longer exists. A message with attachments also
   * takes their uploads, in the same statement: when another message took one first, nothing is stored
   * and the answer is `'attachments-taken'`.
   */
  insert(
    message: NewMessage,
  ): Promise<{ message: Message; created: boolean } | 'attachments-taken' | undefined>;
  /** The message this sender stored in the channel with this `clientMessageId`, if any. */
  findSent(channelId: string, userId: string, clientMessageId: string): Promise<Message | undefined>;
  page(channelId: string, query: PageQuery): Promise<Page>;
}

/** Hands a stored message to the delivery to subscribers, which runs apart from the sender's request. */
export interface DeliveryQueue {
  enqueue(message: Message): Promise<void>;
}
