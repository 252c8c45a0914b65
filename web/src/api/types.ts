/** The API's shapes, as the contract (`contract.md`) and `docs/api.md` define them. */

export type Visibility = 'public' | 'private';

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly visibility: Visibility;
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly lastSeq: number;
  readonly messageCount: number;
}

/** An image stored with a message; `width` and `height` let it take its place before it loads. */
export interface Attachment {
  readonly uploadId: string;
  readonly url: string;
  readonly contentType: string;
  readonly size: number;
  readonly width: number;
  readonly height: number;
  readonly alt?: string;
}

export interface Message {
  readonly id: string;
  readonly channelId: string;
  readonly seq: number;
  readonly userId: string;
  readonly userName: string;
  readonly content: string;
  readonly timestamp: string;
  readonly createdAt: string;
  readonly clientMessageId: string | null;
  readonly isOwnMessage: boolean;
  readonly attachments: readonly Attachment[];
}

export interface MessagePage {
  readonly messages: readonly Message[];
  readonly total: number;
  readonly hasMore: boolean;
}

export interface Member {
  readonly channelId: string;
  readonly userId: string;
  readonly userName: string;
  readonly role: 'owner' | 'member';
  readonly joinedAt: string;
}

export interface Me {
  readonly userId: string;
  readonly userName: string;
  readonly kind: 'person' | 'bot';
  readonly isAdmin: boolean;
}

/** `POST /api/uploads`: where to send the file, and the URL it will have. */
export interface UploadTicket {
  readonly uploadId: string;
  readonly url: string;
  readonly upload: { readonly url: string; readonly fields: Readonly<Record<string, string>> };
  readonly expiresAt: string;
}

/** The longest message the API stores, in Unicode code points. */
export const maxMessageLength = 4000;
/** The most images one message may carry. */
export const maxAttachments = 10;
