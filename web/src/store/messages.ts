/**
 * One channel's messages as the client knows them: plain data and pure functions, so that merging,
 * de-duplication, ordering and gap detection are tested without a browser.
 *
 * Confirmed messages are kept in ascending `seq`, one per `seq`. `contiguousSeq` is the highest `seq`
 * up to which the client has everything since the oldest page it loaded: a live message above
 * `contiguousSeq + 1` reveals a gap, which a catch-up (`after=contiguousSeq`) fills. Messages the user
 * is sending wait in `pending`, keyed by their client message id, until the server confirms them.
 */

import type { Message } from '../api/types.ts';

/** An image chosen for a message, as the pending message shows it before the server has it. */
export interface PendingImage {
  readonly uploadId: string;
  readonly previewUrl: string;
  readonly width: number;
  readonly height: number;
  readonly alt?: string;
}

export type PendingStatus = 'sending' | 'queued' | 'failed';

/** A message the user sent that the server has not confirmed yet. */
export interface PendingMessage {
  readonly clientMessageId: string;
  readonly channelId: string;
  readonly content: string;
  readonly images: readonly PendingImage[];
  readonly createdAt: string;
  readonly status: PendingStatus;
  /** Why it failed, already in words for people. */
  readonly error?: string;
}

export interface ChannelLog {
  readonly messages: readonly Message[];
  readonly pending: readonly PendingMessage[];
  /** Everything from the oldest loaded message up to this `seq` is present (0: nothing yet). */
  readonly contiguousSeq: number;
  /** Whether older messages than the oldest loaded remain on the server. */
  readonly hasOlder: boolean;
  /** Whether the latest page has been loaded at least once. */
  readonly loaded: boolean;
}

export const emptyLog: ChannelLog = {
  messages: [],
  pending: [],
  contiguousSeq: 0,
  hasOlder: false,
  loaded: false,
};

/** `messages` and `incoming` merged: ascending `seq`, one message per `seq` and per id. */
export function mergeMessages(messages: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) return [...messages];
  const bySeq = new Map<number, Message>();
  for (const message of messages) bySeq.set(message.seq, message);
  const ids = new Set(messages.map((message) => message.id));
  for (const message of incoming) {
    if (ids.has(message.id) || bySeq.has(message.seq)) continue;
    bySeq.set(message.seq, message);
    ids.add(message.id);
  }
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

/** The highest `seq` reachable from `from` without a hole among `messages`' seqs. */
function extendContiguous(from: number, messages: readonly Message[]): number {
  const seqs = new Set(messages.map((message) => message.seq));
  let seq = from;
  while (seqs.has(seq + 1)) seq += 1;
  return seq;
}

/** Pending messages that `messages` do not confirm. */
function stillPending(pending: readonly PendingMessage[], messages: readonly Message[]): PendingMessage[] {
  if (pending.length === 0) return [];
  const confirmed = new Set(messages.filter((m) => m.isOwnMessage).map((m) => m.clientMessageId));
  return pending.filter((p) => !confirmed.has(p.clientMessageId));
}

/**
 * The latest page, as opening a channel loads it (`before=lastSeq+1`). The page is complete up to its
 * newest message, so `contiguousSeq` becomes that message's `seq` (or `lastSeq` for an empty channel).
 */
export function applyLatestPage(
  log: ChannelLog,
  page: readonly Message[],
  hasOlder: boolean,
  lastSeq: number,
): ChannelLog {
  const messages = mergeMessages(log.messages, page);
  const newest = page.at(-1)?.seq ?? lastSeq;
  return {
    ...log,
    messages,
    pending: stillPending(log.pending, messages),
    contiguousSeq: extendContiguous(Math.max(log.contiguousSeq, newest), messages),
    hasOlder: log.loaded ? log.hasOlder : hasOlder,
    loaded: true,
  };
}

/** An older page (`before=<oldest seq>`), as scrolling up loads it. */
export function applyOlderPage(log: ChannelLog, page: readonly Message[], hasOlder: boolean): ChannelLog {
  const messages = mergeMessages(log.messages, page);
  return { ...log, messages, pending: stillPending(log.pending, messages), hasOlder };
}

/**
 * A catch-up page (`after=afterSeq`): the server says these are all the messages after `afterSeq` up to
 * the page's newest, so there is no gap below that any more.
 */
export function applyCatchUp(log: ChannelLog, afterSeq: number, page: readonly Message[]): ChannelLog {
  const messages = mergeMessages(log.messages, page);
  const reached = Math.max(log.contiguousSeq, page.at(-1)?.seq ?? afterSeq);
  return {
    ...log,
    messages,
    pending: stillPending(log.pending, messages),
    contiguousSeq: extendContiguous(reached, messages),
  };
}

/**
 * A message that arrived live (`message:new`, or `message:saved` for one's own), and whether it
 * revealed a gap that a catch-up must fill.
 */
export function applyLive(log: ChannelLog, message: Message): { log: ChannelLog; gap: boolean } {
  const messages = mergeMessages(log.messages, [message]);
  const contiguousSeq = extendContiguous(log.contiguousSeq, messages);
  const next = { ...log, messages, pending: stillPending(log.pending, messages), contiguousSeq };
  // Before the first page has loaded there is nothing to be contiguous with: the page will settle it.
  return { log: next, gap: log.loaded && message.seq > contiguousSeq };
}

/** Where a catch-up for `log` starts: `after=` this. */
export function catchUpFrom(log: ChannelLog): number {
  return log.contiguousSeq;
}

/** The oldest loaded `seq`, for `before=` when scrolling back. */
export function oldestSeq(log: ChannelLog): number | undefined {
  return log.messages[0]?.seq;
}

/** Adds a message the user is sending; a message already pending under that id is replaced. */
export function addPending(log: ChannelLog, pending: PendingMessage): ChannelLog {
  const others = log.pending.filter((p) => p.clientMessageId !== pending.clientMessageId);
  return { ...log, pending: [...others, pending] };
}

/** Changes a pending message's status (and error); unknown ids change nothing. */
export function setPendingStatus(
  log: ChannelLog,
  clientMessageId: string,
  status: PendingStatus,
  error?: string,
): ChannelLog {
  if (!log.pending.some((p) => p.clientMessageId === clientMessageId)) return log;
  return {
    ...log,
    pending: log.pending.map((p) => {
      if (p.clientMessageId !== clientMessageId) return p;
      const { error: _previous, ...rest } = p;
      return error === undefined ? { ...rest, status } : { ...rest, status, error };
    }),
  };
}

/** The server stored `message` (its answer to the sender): it replaces the pending one. */
export function confirmPending(log: ChannelLog, message: Message): ChannelLog {
  const { log: next } = applyLive(log, message);
  return {
    ...next,
    pending: next.pending.filter((p) => p.clientMessageId !== message.clientMessageId),
  };
}

/** Drops a pending message the user gave up on. */
export function discardPending(log: ChannelLog, clientMessageId: string): ChannelLog {
  return { ...log, pending: log.pending.filter((p) => p.clientMessageId !== clientMessageId) };
}
