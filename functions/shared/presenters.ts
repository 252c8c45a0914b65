import type { Channel, Member } from '#domain/channels/ports';
import type { Message } from '#domain/messages/ports';
import type { Attachment } from '#domain/uploads/attachments';
import type { CreatedUpload } from '#domain/uploads/create-upload';

/** A channel as the contract shows it. */
export function channelJson(channel: Channel) {
  return {
    id: channel.id,
    name: channel.name,
    description: channel.description,
    visibility: channel.visibility,
    createdAt: channel.createdAt.toISOString(),
    createdBy: channel.createdBy,
    lastSeq: channel.lastSeq,
    messageCount: channel.messageCount,
  };
}

/** A message as the contract shows it to `viewerId` (undefined: anonymous). */
export function messageJson(message: Message, viewerId: string | undefined) {
  const createdAt = message.createdAt.toISOString();
  return {
    id: message.id,
    channelId: message.channelId,
    seq: message.seq,
    userId: message.userId,
    userName: message.userName,
    content: message.content,
    timestamp: createdAt,
    createdAt,
    clientMessageId: message.clientMessageId,
    isOwnMessage: viewerId !== undefined && viewerId === message.userId,
    attachments: message.attachments.map(attachmentJson),
  };
}

/** An attached image; `alt` only when the sender gave one. */
export function attachmentJson(attachment: Attachment) {
  return {
    uploadId: attachment.uploadId,
    url: attachment.url,
    contentType: attachment.contentType,
    size: attachment.size,
    width: attachment.width,
    height: attachment.height,
    ...(attachment.alt !== undefined && { alt: attachment.alt }),
  };
}

/** A started upload: where to send the file, and where the image will be. */
export function uploadJson(created: CreatedUpload) {
  return {
    uploadId: created.uploadId,
    url: created.url,
    upload: { url: created.upload.url, fields: created.upload.fields },
    expiresAt: created.expiresAt.toISOString(),
  };
}

/** A channel member. */
export function memberJson(channelId: string, member: Member) {
  return {
    channelId,
    userId: member.userId,
    userName: member.userName,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
  };
}
