/**
 * The app's state and what changes it: channels, each opened channel's log, the connection, the
 * signed-in person, and the messages they are sending. Signals hold the data; the log arithmetic is
 * the pure functions of `messages.ts`.
 */
import { batch, computed, signal } from '@preact/signals';
import { type Api, ApiError, codeText, errorText } from '../api/http.ts';
import type { Channel, Me, Member, Message } from '../api/types.ts';
import { text } from '../i18n/index.ts';
import type { ConnectionState, RealtimeClient, ServerFrame } from '../realtime/client.ts';
import {
  addPending,
  applyCatchUp,
  applyLatestPage,
  applyLive,
  applyOlderPage,
  type ChannelLog,
  catchUpFrom,
  confirmPending,
  discardPending,
  emptyLog,
  oldestSeq,
  type PendingImage,
  type PendingMessage,
  setPendingStatus,
} from './messages.ts';

const pageSize = 50;
const catchUpPageSize = 200;
/** A send with no answer by then is shown as failed, with a retry under the same id. */
const sendTimeoutMs = 15_000;

export type SessionState = 'unknown' | 'signedOut' | 'signedIn' | 'ended';

export const session = signal<SessionState>('unknown');
export const me = signal<Me | null>(null);
export const channels = signal<readonly Channel[]>([]);
export const channelsError = signal<string | null>(null);
export const connection = signal<ConnectionState>('idle');
export const logs = signal<ReadonlyMap<string, ChannelLog>>(new Map());
export const unread = signal<ReadonlyMap<string, number>>(new Map());
export const currentChannelId = signal<string | null>(null);
/** Channels asked for that do not exist or may not be seen. */
export const missingChannels = signal<ReadonlySet<string>>(new Set());
export const channelErrors = signal<ReadonlyMap<string, string>>(new Map());
export const loadingOlder = signal(false);
export const members = signal<readonly Member[] | null>(null);
export const notice = signal<string | null>(null);

export const currentChannel = computed(
  () => channels.value.find((channel) => channel.id === currentChannelId.value) ?? null,
);
export const currentLog = computed(() =>
  currentChannelId.value ? (logs.value.get(currentChannelId.value) ?? emptyLog) : emptyLog,
);
export const isMember = computed(() =>
  Boolean(me.value && members.value?.some((member) => member.userId === me.value?.userId)),
);
export const canManage = computed(() => {
  const self = me.value;
  if (!self) return false;
  if (self.isAdmin) return true;
  return Boolean(members.value?.some((m) => m.userId === self.userId && m.role === 'owner'));
});
/** People seen in loaded channels, by name: suggestions when adding a member. */
export const knownPeople = computed(() => {
  const people = new Map<string, string>();
  for (const log of logs.value.values()) {
    for (const message of log.messages) people.set(message.userName, message.userId);
  }
  for (const member of members.value ?? []) people.set(member.userName, member.userId);
  return people;
});

interface Deps {
  api: Api;
  realtime: RealtimeClient | null;
}
let deps: Deps | undefined;
const sendTimers = new Map<string, ReturnType<typeof setTimeout>>();
const catchUps = new Map<string, Promise<void>>();
let noticeTimer: ReturnType<typeof setTimeout> | undefined;

function api(): Api {
  if (!deps) throw new Error('chat store used before start');
  return deps.api;
}

function updateLog(channelId: string, change: (log: ChannelLog) => ChannelLog): void {
  const next = new Map(logs.value);
  next.set(channelId, change(next.get(channelId) ?? emptyLog));
  logs.value = next;
}

function setChannelError(channelId: string, message: string | null): void {
  const next = new Map(channelErrors.value);
  if (message === null) next.delete(channelId);
  else next.set(channelId, message);
  channelErrors.value = next;
}

/** Shows a short message in the status area for a few seconds. */
export function showNotice(message: string): void {
  notice.value = message;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(() => {
    notice.value = null;
  }, 6_000);
}

/** Starts the store with its API client and (signed in) its realtime client. */
export function startChat(next: Deps): void {
  deps = next;
}

export async function loadMe(): Promise<void> {
  try {
    me.value = await api().me();
  } catch {
    me.value = null;
  }
}

export async function loadChannels(): Promise<void> {
  try {
    const list = await api().channels();
    batch(() => {
      channels.value = list;
      channelsError.value = null;
    });
    for (const channel of list) deps?.realtime?.subscribe(channel.id);
  } catch (error) {
    channelsError.value = errorText(text.value, error);
  }
}

/** Opens a channel: its latest page, then anything newer, then live updates. */
export async function openChannel(channelId: string): Promise<void> {
  currentChannelId.value = channelId;
  members.value = null;
  const nextUnread = new Map(unread.value);
  nextUnread.delete(channelId);
  unread.value = nextUnread;
  try {
    localStorage.setItem('hiroba.lastChannel', channelId);
  } catch {
    // No storage: the home page opens the first channel instead.
  }
  let channel = channels.value.find((c) => c.id === channelId);
  try {
    if (!channel) {
      channel = await api().channel(channelId);
      channels.value = [...channels.value.filter((c) => c.id !== channelId), channel].sort((a, b) =>
        a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
      );
    }
    deps?.realtime?.subscribe(channelId);
    if (session.value === 'signedIn') void loadMembers(channelId);
    if (logs.value.get(channelId)?.loaded) {
      await catchUp(channelId);
      return;
    }
    setChannelError(channelId, null);
    const lastSeq = channel.lastSeq;
    const page = await api().messages(channelId, { before: lastSeq + 1, limit: pageSize });
    updateLog(channelId, (log) => applyLatestPage(log, page.messages, page.hasMore, lastSeq));
    await catchUp(channelId);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'not_found') {
      missingChannels.value = new Set([...missingChannels.value, channelId]);
    } else {
      setChannelError(channelId, errorText(text.value, error));
    }
  }
}

export async function loadMembers(channelId: string): Promise<void> {
  try {
    const list = await api().members(channelId);
    if (currentChannelId.value === channelId) members.value = list;
  } catch {
    if (currentChannelId.value === channelId) members.value = [];
  }
}

/** Loads the page before the oldest loaded message. */
export async function loadOlder(channelId: string): Promise<void> {
  const log = logs.value.get(channelId);
  const before = log ? oldestSeq(log) : undefined;
  if (!log?.hasOlder || before === undefined || loadingOlder.value) return;
  loadingOlder.value = true;
  try {
    const page = await api().messages(channelId, { before, limit: pageSize });
    updateLog(channelId, (current) => applyOlderPage(current, page.messages, page.hasMore));
  } catch (error) {
    showNotice(errorText(text.value, error));
  } finally {
    loadingOlder.value = false;
  }
}

/**
 * Fetches everything after the highest contiguous `seq`, page by page, and merges it. One catch-up per
 * channel at a time; a request while one runs runs once more after it.
 */
export function catchUp(channelId: string): Promise<void> {
  const running = catchUps.get(channelId);
  if (running) {
    const again = running.then(() => catchUp(channelId));
    return again;
  }
  const work = (async () => {
    try {
      for (let pages = 0; pages < 50; pages += 1) {
        const log = logs.value.get(channelId);
        if (!log?.loaded) return;
        const after = catchUpFrom(log);
        const page = await api().messages(channelId, { after, limit: catchUpPageSize });
        updateLog(channelId, (current) => applyCatchUp(current, after, page.messages));
        if (!page.hasMore) return;
      }
    } catch {
      // The next reconnect or live message tries again.
    } finally {
      catchUps.delete(channelId);
    }
  })();
  catchUps.set(channelId, work);
  return work;
}

/** After every (re)connect: catch up on every loaded channel and send what was waiting. */
export function onConnected(): void {
  // Channels may have appeared meanwhile (someone added us to a private one): refresh the list too.
  void loadChannels();
  for (const [channelId, log] of logs.value) {
    if (log.loaded) void catchUp(channelId);
  }
  // Whatever was in flight on the old connection is sent again under its id: the server stores it once.
  for (const timer of sendTimers.values()) clearTimeout(timer);
  sendTimers.clear();
  for (const channelId of logs.value.keys()) pump(channelId);
}

export function onFrame(frame: ServerFrame): void {
  const data = frame.data ?? {};
  switch (frame.type) {
    case 'message:new': {
      const message = data.message as Message | undefined;
      if (!message) return;
      receive(message);
      if (message.channelId !== currentChannelId.value && !message.isOwnMessage) {
        const next = new Map(unread.value);
        next.set(message.channelId, (next.get(message.channelId) ?? 0) + 1);
        unread.value = next;
      }
      return;
    }
    case 'message:saved': {
      const message = data.message as Message | undefined;
      if (!message) return;
      clearTimeout(sendTimers.get(message.clientMessageId ?? ''));
      sendTimers.delete(message.clientMessageId ?? '');
      updateLog(message.channelId, (log) => confirmPending(log, message));
      pump(message.channelId);
      return;
    }
    case 'message:error': {
      const id = typeof data.id === 'string' ? data.id : '';
      clearTimeout(sendTimers.get(id));
      sendTimers.delete(id);
      const words = codeText(text.value, typeof data.code === 'string' ? data.code : undefined);
      for (const [channelId, log] of logs.value) {
        if (log.pending.some((p) => p.clientMessageId === id)) {
          updateLog(channelId, (current) => setPendingStatus(current, id, 'failed', words));
          pump(channelId);
        }
      }
      return;
    }
    case 'channel:unsubscribed': {
      if (data.reason !== 'access_revoked' || typeof data.channelId !== 'string') return;
      const gone = data.channelId;
      channels.value = channels.value.filter((channel) => channel.id !== gone);
      missingChannels.value = new Set([...missingChannels.value, gone]);
      return;
    }
    default:
      return;
  }
}

function receive(message: Message): void {
  let gap = false;
  updateLog(message.channelId, (log) => {
    const result = applyLive(log, message);
    gap = result.gap;
    return result.log;
  });
  const channel = channels.value.find((c) => c.id === message.channelId);
  if (channel && channel.lastSeq < message.seq) {
    channels.value = channels.value.map((c) => (c.id === channel.id ? { ...c, lastSeq: message.seq } : c));
  }
  if (gap) void catchUp(message.channelId);
}

/** A fresh client message id: the idempotency key a retry reuses. */
export function newClientMessageId(): string {
  return `web-${crypto.randomUUID()}`;
}

/**
 * Shows the message at once as pending and sends it, or keeps it until the connection is back. A
 * channel's messages go one at a time, so that they are stored in the order they were written.
 */
export function sendMessage(channelId: string, content: string, images: readonly PendingImage[]): void {
  const pending: PendingMessage = {
    clientMessageId: newClientMessageId(),
    channelId,
    content,
    images,
    createdAt: new Date().toISOString(),
    status: 'queued',
  };
  updateLog(channelId, (log) => addPending(log, pending));
  pump(channelId);
}

/** Sends a failed message again, under the same client message id (the server never stores it twice). */
export function retryMessage(channelId: string, clientMessageId: string): void {
  updateLog(channelId, (log) => setPendingStatus(log, clientMessageId, 'queued'));
  pump(channelId);
}

export function discardMessage(channelId: string, clientMessageId: string): void {
  clearTimeout(sendTimers.get(clientMessageId));
  sendTimers.delete(clientMessageId);
  updateLog(channelId, (log) => discardPending(log, clientMessageId));
  pump(channelId);
}

/** Sends the channel's next waiting message, unless one is already on its way. */
function pump(channelId: string): void {
  const pending = logs.value.get(channelId)?.pending ?? [];
  if (pending.some((p) => sendTimers.has(p.clientMessageId))) return;
  const next = pending.find((p) => p.status !== 'failed');
  if (next) dispatch(next);
}

function dispatch(pending: PendingMessage): void {
  const { clientMessageId: id, channelId } = pending;
  const sent = deps?.realtime?.send('message:send', {
    id,
    channelId,
    content: pending.content,
    attachments: pending.images.map((image) =>
      image.alt ? { uploadId: image.uploadId, alt: image.alt } : { uploadId: image.uploadId },
    ),
  });
  updateLog(channelId, (log) => setPendingStatus(log, id, sent ? 'sending' : 'queued'));
  clearTimeout(sendTimers.get(id));
  if (!sent) return;
  sendTimers.set(
    id,
    setTimeout(() => {
      sendTimers.delete(id);
      updateLog(channelId, (log) => setPendingStatus(log, id, 'failed', text.value.errorNoAnswer));
      pump(channelId);
    }, sendTimeoutMs),
  );
}

export async function createChannel(input: {
  name: string;
  description: string;
  visibility: 'public' | 'private';
}): Promise<Channel> {
  const channel = await api().createChannel(input);
  channels.value = [...channels.value.filter((c) => c.id !== channel.id), channel].sort((a, b) =>
    a.name.localeCompare(b.name, undefined, { sensitivity: 'base' }),
  );
  deps?.realtime?.subscribe(channel.id);
  return channel;
}

export async function joinChannel(channel: Channel): Promise<void> {
  try {
    await api().join(channel.id);
    await loadMembers(channel.id);
    showNotice(text.value.joinedChannel(channel.name));
  } catch (error) {
    showNotice(errorText(text.value, error));
  }
}

/** Leaves a channel; a private one then disappears from the list. */
export async function leaveChannel(channel: Channel): Promise<boolean> {
  try {
    await api().leave(channel.id);
    showNotice(text.value.leftChannel(channel.name));
    if (channel.visibility === 'private' && !me.value?.isAdmin) {
      deps?.realtime?.unsubscribe(channel.id);
      channels.value = channels.value.filter((c) => c.id !== channel.id);
      return true;
    }
    await loadMembers(channel.id);
    return false;
  } catch (error) {
    // The API keeps an owner in their channel until it is handed over (409).
    const owner = error instanceof ApiError && error.code === 'conflict';
    showNotice(owner ? text.value.ownerCannotLeave(channel.name) : errorText(text.value, error));
    return false;
  }
}

export async function addMember(channelId: string, userId: string): Promise<void> {
  await api().addMember(channelId, userId);
  await loadMembers(channelId);
}

export async function removeMember(channelId: string, userId: string): Promise<void> {
  try {
    await api().removeMember(channelId, userId);
    await loadMembers(channelId);
  } catch (error) {
    showNotice(errorText(text.value, error));
  }
}

/** Signed out, nothing arrives live: the open channel is checked for new messages every so often. */
export function pollWhileSignedOut(): void {
  setInterval(() => {
    const id = currentChannelId.value;
    if (session.value !== 'signedIn' && id && document.visibilityState === 'visible') void catchUp(id);
  }, 20_000);
}
