import { describe, expect, it } from 'vitest';
import type { Message } from '../../../web/src/api/types.ts';
import {
  addPending,
  applyCatchUp,
  applyLatestPage,
  applyLive,
  applyOlderPage,
  catchUpFrom,
  confirmPending,
  emptyLog,
  mergeMessages,
  type PendingMessage,
  setPendingStatus,
} from '../../../web/src/store/messages.ts';

function message(seq: number, overrides: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    channelId: 'c1',
    seq,
    userId: 'u1',
    userName: 'alice',
    content: `message ${seq}`,
    timestamp: new Date(Date.UTC(2026, 0, 1, 12, seq)).toISOString(),
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, seq)).toISOString(),
    clientMessageId: null,
    isOwnMessage: false,
    attachments: [],
    ...overrides,
  };
}

function pending(id: string, overrides: Partial<PendingMessage> = {}): PendingMessage {
  return {
    clientMessageId: id,
    channelId: 'c1',
    content: 'hello',
    images: [],
    createdAt: '2026-01-01T12:00:00.000Z',
    status: 'sending',
    ...overrides,
  };
}

const seqs = (messages: readonly Message[]) => messages.map((m) => m.seq);

describe('merging messages', () => {
  it('orders messages by seq whatever order they arrive in', () => {
    expect(seqs(mergeMessages([message(3)], [message(1), message(4), message(2)]))).toEqual([1, 2, 3, 4]);
  });

  it('keeps one message per seq and per id', () => {
    const merged = mergeMessages(
      [message(1), message(2)],
      [message(2), message(1), message(3, { id: 'm1' })],
    );
    expect(seqs(merged)).toEqual([1, 2]);
  });
});

describe('a channel log', () => {
  it('starts contiguous at the newest message of the latest page', () => {
    const log = applyLatestPage(emptyLog, [message(8), message(9), message(10)], true, 10);
    expect(log.loaded).toBe(true);
    expect(log.hasOlder).toBe(true);
    expect(catchUpFrom(log)).toBe(10);
  });

  it('starts an empty channel at its lastSeq', () => {
    expect(catchUpFrom(applyLatestPage(emptyLog, [], false, 0))).toBe(0);
  });

  it('prepends older pages without losing or duplicating messages', () => {
    const latest = applyLatestPage(emptyLog, [message(3), message(4)], true, 4);
    const older = applyOlderPage(latest, [message(1), message(2), message(3)], false);
    expect(seqs(older.messages)).toEqual([1, 2, 3, 4]);
    expect(older.hasOlder).toBe(false);
  });

  it('appends the next live message and moves the contiguous seq', () => {
    const log = applyLatestPage(emptyLog, [message(1)], false, 1);
    const { log: next, gap } = applyLive(log, message(2));
    expect(gap).toBe(false);
    expect(catchUpFrom(next)).toBe(2);
  });

  it('ignores a live message it already has', () => {
    const log = applyLatestPage(emptyLog, [message(1), message(2)], false, 2);
    const { log: next, gap } = applyLive(log, message(2));
    expect(gap).toBe(false);
    expect(seqs(next.messages)).toEqual([1, 2]);
  });

  it('detects a gap when a live seq skips ahead, and keeps the message', () => {
    const log = applyLatestPage(emptyLog, [message(1)], false, 1);
    const { log: next, gap } = applyLive(log, message(4));
    expect(gap).toBe(true);
    expect(catchUpFrom(next)).toBe(1);
    expect(seqs(next.messages)).toEqual([1, 4]);
  });

  it('fills a gap from a catch-up page, merged in order without duplicates', () => {
    const log = applyLatestPage(emptyLog, [message(1)], false, 1);
    const { log: withGap } = applyLive(log, message(4));
    const filled = applyCatchUp(withGap, 1, [message(2), message(3), message(4), message(5)]);
    expect(seqs(filled.messages)).toEqual([1, 2, 3, 4, 5]);
    expect(catchUpFrom(filled)).toBe(5);
  });

  it('trusts a catch-up page as complete up to its newest message', () => {
    const log = applyLatestPage(emptyLog, [message(1)], false, 1);
    const caughtUp = applyCatchUp(log, 1, [message(3)]);
    expect(catchUpFrom(caughtUp)).toBe(3);
  });

  it('reports no gap before the first page has loaded', () => {
    expect(applyLive(emptyLog, message(7)).gap).toBe(false);
  });
});

describe('pending messages', () => {
  it('shows a message being sent until the server confirms it', () => {
    const log = addPending(applyLatestPage(emptyLog, [], false, 0), pending('web-1'));
    expect(log.pending.map((p) => p.status)).toEqual(['sending']);
    const confirmed = confirmPending(log, message(1, { clientMessageId: 'web-1', isOwnMessage: true }));
    expect(confirmed.pending).toEqual([]);
    expect(seqs(confirmed.messages)).toEqual([1]);
  });

  it('drops a pending message when its broadcast arrives before the answer', () => {
    const log = addPending(applyLatestPage(emptyLog, [], false, 0), pending('web-1'));
    const { log: next } = applyLive(log, message(1, { clientMessageId: 'web-1', isOwnMessage: true }));
    expect(next.pending).toEqual([]);
    // The answer that follows changes nothing more.
    const answered = confirmPending(next, message(1, { clientMessageId: 'web-1', isOwnMessage: true }));
    expect(seqs(answered.messages)).toEqual([1]);
  });

  it('keeps another sender’s message with the same client id from confirming ours', () => {
    const log = addPending(applyLatestPage(emptyLog, [], false, 0), pending('web-1'));
    const { log: next } = applyLive(log, message(1, { clientMessageId: 'web-1', isOwnMessage: false }));
    expect(next.pending.map((p) => p.clientMessageId)).toEqual(['web-1']);
  });

  it('marks a message failed with a reason, then sending again under the same id', () => {
    const log = addPending(emptyLog, pending('web-1'));
    const failed = setPendingStatus(log, 'web-1', 'failed', 'Slow down: try again in 2 s.');
    expect(failed.pending[0]).toMatchObject({ status: 'failed', error: 'Slow down: try again in 2 s.' });
    const retried = setPendingStatus(failed, 'web-1', 'sending');
    expect(retried.pending[0]?.clientMessageId).toBe('web-1');
    expect(retried.pending[0]?.error).toBeUndefined();
  });

  it('replaces a pending message re-added under the same id instead of duplicating it', () => {
    const log = addPending(addPending(emptyLog, pending('web-1')), pending('web-1', { status: 'queued' }));
    expect(log.pending).toHaveLength(1);
    expect(log.pending[0]?.status).toBe('queued');
  });
});
