import { randomUUID } from 'node:crypto';
import type { Channel, ChannelStore, Member, MemberRole } from '#domain/channels/ports';
import type { Frame } from '#domain/connections/ports';
import type { Caller, ConnectedCaller } from '#domain/identity/caller';
import type { DeliveryQueue, Message, MessageStore } from '#domain/messages/ports';
import type { Subscription, SubscriptionStore } from '#domain/realtime/ports';
import type { ImageBucket, Upload, UploadPolicy, UploadStore } from '#domain/uploads/ports';
import { DomainError } from '#shared/errors';

export const person = (userId: string, extra: Partial<Caller> = {}): Caller => ({
  userId,
  userName: userId,
  kind: 'person',
  accessUserId: userId,
  isAdmin: false,
  ...extra,
});

export const admin = (userId: string) => person(userId, { isAdmin: true });

/** A person on a WebSocket connection whose token expires at `expiresAt`. */
export const connected = (
  userId: string,
  expiresAt = new Date('2030-01-01T00:00:00.000Z'),
): ConnectedCaller => ({
  ...person(userId),
  expiresAt,
});

export const bot = (keyId: string, owner: string): Caller => ({
  userId: keyId,
  userName: `bot-${keyId}`,
  kind: 'bot',
  accessUserId: owner,
  isAdmin: false,
  apiKeyId: keyId,
});

/** Channels and members in memory, with the same rules as the SQL. */
export function memoryChannels(users: string[] = []) {
  const channels = new Map<string, Channel>();
  const members = new Map<string, Map<string, { role: MemberRole; joinedAt: Date }>>();
  const known = new Set(users);
  const keys = new Map<string, string>();
  const store: ChannelStore = {
    async list(viewer) {
      return [...channels.values()]
        .filter(
          (c) =>
            c.visibility === 'public' ||
            viewer?.isAdmin ||
            (viewer && members.get(c.id)?.has(viewer.accessUserId)),
        )
        .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    },
    async find(channelId, userId) {
      // PostgreSQL's uuid type reads either case and prints lower case.
      const channel = channels.get(channelId.toLowerCase());
      if (!channel) return undefined;
      return { channel, role: userId ? members.get(channel.id)?.get(userId)?.role : undefined };
    },
    async create(input) {
      const existing = [...channels.values()].find((c) => keys.get(c.id) === input.nameKey);
      if (existing) throw new DomainError('conflict', `A channel named "${existing.name}" already exists.`);
      const { nameKey, ...fields } = input;
      const channel: Channel = {
        ...fields,
        id: randomUUID(),
        createdAt: new Date(),
        lastSeq: 0,
        messageCount: 0,
      };
      channels.set(channel.id, channel);
      keys.set(channel.id, nameKey);
      members.set(channel.id, new Map([[input.createdBy, { role: 'owner', joinedAt: new Date() }]]));
      known.add(input.createdBy);
      return channel;
    },
    async remove(channelId) {
      channels.delete(channelId);
      members.delete(channelId);
    },
    async addMember(channelId, userId): Promise<Member> {
      const list = members.get(channelId) ?? new Map();
      members.set(channelId, list);
      const existing = list.get(userId) ?? { role: 'member' as const, joinedAt: new Date() };
      list.set(userId, existing);
      return { userId, userName: userId, ...existing };
    },
    async removeMember(channelId, userId) {
      const list = members.get(channelId);
      const role = list?.get(userId)?.role;
      if (role === 'owner') return 'owner';
      return list?.delete(userId) ? 'removed' : 'not-member';
    },
    async transferOwnership(channelId, userId) {
      const list = members.get(channelId);
      const member = list?.get(userId);
      if (!list || !member) return undefined;
      for (const other of list.values()) if (other.role === 'owner') other.role = 'member';
      member.role = 'owner';
      return { userId, userName: userId, ...member };
    },
    async members(channelId) {
      return [...(members.get(channelId) ?? new Map()).entries()].map(([userId, m]) => ({
        userId,
        userName: userId,
        ...m,
      }));
    },
    async userName(userId) {
      return known.has(userId) ? userId : undefined;
    },
  };
  return { store, channels, members, known };
}

/** Messages in memory: seq per channel, idempotent on (channel, sender, clientMessageId). */
export function memoryMessages(channels: Map<string, Channel>) {
  const messages: Message[] = [];
  const store: MessageStore = {
    async insert(input) {
      const existing = await store.findSent(input.channelId, input.userId, input.clientMessageId ?? '');
      if (existing && input.clientMessageId !== null) return { message: existing, created: false };
      const taken = new Set(messages.flatMap((m) => m.attachments.map((a) => a.uploadId)));
      if (input.attachments.some((attachment) => taken.has(attachment.uploadId))) return 'attachments-taken';
      const channel = channels.get(input.channelId);
      if (!channel) return undefined;
      channel.lastSeq++;
      channel.messageCount++;
      const message: Message = { ...input, id: randomUUID(), seq: channel.lastSeq, createdAt: new Date() };
      messages.push(message);
      return { message, created: true };
    },
    async findSent(channelId, userId, clientMessageId) {
      return messages.find(
        (m) => m.channelId === channelId && m.userId === userId && m.clientMessageId === clientMessageId,
      );
    },
    async page(channelId, query) {
      const all = messages.filter((m) => m.channelId === channelId);
      let slice: Message[];
      if (query.mode === 'offset') slice = all.slice(query.offset, query.offset + query.limit + 1);
      else if (query.mode === 'after') slice = all.filter((m) => m.seq > query.seq).slice(0, query.limit + 1);
      else slice = all.filter((m) => m.seq < query.seq).slice(-(query.limit + 1));
      const hasMore = slice.length > query.limit;
      const page = query.mode === 'before' ? slice.slice(-query.limit) : slice.slice(0, query.limit);
      return { messages: page, hasMore };
    },
  };
  return { store, messages };
}

/** A delivery queue that records what it was given. */
export function recordingQueue(): DeliveryQueue & { queued: Message[] } {
  const queued: Message[] = [];
  return { queued, enqueue: async (message) => void queued.push(message) };
}

/** Subscriptions in memory, handed out in pages of `pageSize`. */
export function memorySubscriptions(pageSize = 2) {
  const subscriptions: Subscription[] = [];
  const store: SubscriptionStore = {
    async put(subscription) {
      const index = subscriptions.findIndex(
        (s) => s.channelId === subscription.channelId && s.connectionId === subscription.connectionId,
      );
      if (index >= 0) subscriptions[index] = subscription;
      else subscriptions.push(subscription);
    },
    async remove(channelId, connectionId) {
      const index = subscriptions.findIndex(
        (s) => s.channelId === channelId && s.connectionId === connectionId,
      );
      if (index >= 0) subscriptions.splice(index, 1);
      return index >= 0;
    },
    async *ofChannel(channelId) {
      const matching = subscriptions.filter((s) => s.channelId === channelId);
      for (let i = 0; i < matching.length; i += pageSize) yield matching.slice(i, i + pageSize);
    },
  };
  return { store, subscriptions };
}

/** A notifier whose gone connections answer `false`. */
export function recordingNotifier(gone: Set<string> = new Set()) {
  const sent: { connectionId: string; frame: Frame }[] = [];
  return {
    sent,
    send: async (connectionId: string, frame: Frame) => {
      if (gone.has(connectionId)) return false;
      sent.push({ connectionId, frame });
      return true;
    },
  };
}

/** A quota that allows everything, counting charges. */
export function countingQuota() {
  const charges: string[] = [];
  return {
    charges,
    charge: async (quota: { scope: string }, id: string) => void charges.push(`${quota.scope}#${id}`),
  };
}

/** Upload records in memory. */
export function memoryUploads() {
  const uploads = new Map<string, Upload>();
  const store: UploadStore = {
    async create(upload) {
      uploads.set(upload.id, { ...upload, messageId: null });
    },
    async find(ids) {
      return ids.flatMap((id) => uploads.get(id) ?? []);
    },
  };
  return { store, uploads };
}

/** A bucket in memory: objects by key with their tags, and the policies it presigned. */
export function memoryImageBucket() {
  const objects = new Map<string, { body: Uint8Array; tags: Record<string, string> }>();
  const presigned: UploadPolicy[] = [];
  const bucket: ImageBucket = {
    async presignUpload(policy) {
      presigned.push(policy);
      return { url: 'https://media.example/', fields: { key: policy.key } };
    },
    async readHead(key, bytes) {
      const object = objects.get(key);
      return object && { size: object.body.length, head: object.body.slice(0, bytes) };
    },
    async tag(key, tags) {
      const object = objects.get(key);
      if (!object) throw new Error(`no object ${key}`);
      object.tags = tags;
    },
  };
  return { bucket, objects, presigned };
}

/** Tiny but complete images, a few dozen bytes each. */
export const tinyImages = {
  /** 1×1 PNG. */
  png: Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  ),
  /** 3×2 GIF. */
  gif: Buffer.from('R0lGODlhAwACAIAAAP///wAAACwAAAAAAwACAAACAoRRADs=', 'base64'),
  /** 1×1 WebP (lossless). */
  webp: Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64'),
  /** The header of a 2×3 JPEG: SOI, a JFIF APP0 segment, a baseline SOF0 segment, EOI. */
  jpeg: Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x00, 0x03, 0x00, 0x02, 0x03, 0x01, 0x22, 0x00, 0x02,
    0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xd9,
  ]),
  /** HTML posing as a PNG. */
  html: Buffer.from('<!DOCTYPE html><html><script>alert(1)</script></html>'),
};
