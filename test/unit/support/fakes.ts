import { randomUUID } from 'node:crypto';
import type { Channel, ChannelStore, Member, MemberRole } from '#domain/channels/ports';
import type { Frame } from '#domain/connections/ports';
import type { Caller, ConnectedCaller } from '#domain/identity/caller';
import type { DeliveryQueue, Message, MessageStore } from '#domain/messages/ports';
import type { Subscription, SubscriptionStore } from '#domain/realtime/ports';
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
      if ([...channels.values()].some((c) => c.name.toLowerCase() === input.name.toLowerCase())) {
        throw new DomainError('conflict', 'taken');
      }
      const channel: Channel = {
        ...input,
        id: randomUUID(),
        createdAt: new Date(),
        lastSeq: 0,
        messageCount: 0,
      };
      channels.set(channel.id, channel);
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
      return members.get(channelId)?.delete(userId) ?? false;
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
      const existing = messages.find(
        (m) =>
          input.clientMessageId !== null &&
          m.channelId === input.channelId &&
          m.userId === input.userId &&
          m.clientMessageId === input.clientMessageId,
      );
      if (existing) return { message: existing, created: false };
      const channel = channels.get(input.channelId);
      if (!channel) return undefined;
      channel.lastSeq++;
      channel.messageCount++;
      const message: Message = { ...input, id: randomUUID(), seq: channel.lastSeq, createdAt: new Date() };
      messages.push(message);
      return { message, created: true };
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
