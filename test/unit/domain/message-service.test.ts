import { describe, expect, it } from 'vitest';
import { makeChannelService } from '#domain/channels/channel-service';
import { makeMessageService } from '#domain/messages/message-service';
import type { DeliveryQueue } from '#domain/messages/ports';
import { DomainError } from '#shared/errors';
import {
  bot,
  countingQuota,
  memoryChannels,
  memoryMessages,
  person,
  recordingQueue,
} from '../support/fakes.ts';

/** `deliveries` replaces the recording queue, e.g. with one that fails. */
async function setup(deliveries?: DeliveryQueue) {
  const queue = recordingQueue();
  const channels = memoryChannels(['alice', 'bob']);
  const quota = countingQuota();
  const channelService = makeChannelService({
    channels: channels.store,
    subscriptions: { revokeChannel: async () => {}, revokeUser: async () => {} },
    chargeQuota: quota.charge,
  });
  const stored = memoryMessages(channels.channels);
  const deliveryErrors: unknown[] = [];
  const service = makeMessageService({
    channels: channelService,
    messages: stored.store,
    deliveries: deliveries ?? queue,
    chargeQuota: quota.charge,
    onDeliveryError: (error) => deliveryErrors.push(error),
  });
  const open = await channelService.create(person('alice'), {
    name: 'o',
    description: '',
    visibility: 'public',
  });
  const secret = await channelService.create(person('alice'), {
    name: 's',
    description: '',
    visibility: 'private',
  });
  return {
    service,
    queue,
    quota,
    open,
    secret,
    channels,
    deliveryErrors,
    stored,
  };
}

const send = (channelId: string, content: string, clientMessageId: string | null = null) => ({
  channelId,
  content,
  clientMessageId,
  attachments: [],
});

describe('sending messages', () => {
  it('stores a message with the next seq, queues its delivery and charges the sender', async () => {
    const { service, queue, quota, open, channels } = await setup();

    const first = await service.send(person('bob'), send(open.id, 'hi'));
    const second = await service.send(person('alice'), send(open.id, 'hello'));

    expect([first.message.seq, second.message.seq]).toEqual([1, 2]);
    expect(queue.queued.map((m) => m.content)).toEqual(['hi', 'hello']);
    expect(quota.charges.filter((c) => c.startsWith('send#'))).toEqual(['send#bob', 'send#alice']);
    expect(channels.channels.get(open.id)).toMatchObject({ lastSeq: 2, messageCount: 2 });
  });

  it('returns the first message for a repeated clientMessageId and queues nothing new', async () => {
    const { service, queue, open } = await setup();

    const first = await service.send(person('bob'), send(open.id, 'hi', 'c-1'));
    const repeat = await service.send(person('bob'), send(open.id, 'hi again', 'c-1'));

    expect(repeat).toEqual({ message: first.message, created: false });
    expect(queue.queued).toHaveLength(1);
  });

  it('keys idempotency by sender: another sender may reuse the same id', async () => {
    const { service, open } = await setup();

    await service.send(person('bob'), send(open.id, 'a', 'c-1'));
    const other = await service.send(person('alice'), send(open.id, 'b', 'c-1'));

    expect(other.created).toBe(true);
  });

  it('refuses to post where the sender may not read, as not-found', async () => {
    const { service, secret } = await setup();

    const error = await service.send(person('bob'), send(secret.id, 'hi')).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'not-found' });
  });

  it("lets a bot post where its owner may, under the bot's own name", async () => {
    const { service, secret } = await setup();

    const { message } = await service.send(bot('key-1', 'alice'), send(secret.id, 'beep'));

    expect(message).toMatchObject({ userId: 'key-1', userName: 'bot-key-1' });
  });

  it('keeps a stored send even when queueing its delivery fails', async () => {
    const { service, open, deliveryErrors, stored } = await setup({
      enqueue: () => Promise.reject(new Error('lambda down')),
    });

    const { created } = await service.send(person('bob'), send(open.id, 'still stored'));

    expect(created).toBe(true);
    expect(stored.messages.map((m) => m.content)).toEqual(['still stored']);
    expect(deliveryErrors).toHaveLength(1);
  });
});

describe('reading history', () => {
  it('pages with the channel total from its counter', async () => {
    const { service, open } = await setup();
    for (const content of ['1', '2', '3']) await service.send(person('bob'), send(open.id, content));

    const page = await service.read(undefined, open.id, { mode: 'offset', offset: 0, limit: 2 });

    expect(page.messages.map((m) => m.content)).toEqual(['1', '2']);
    expect(page).toMatchObject({ total: 3, hasMore: true });
  });

  it('hides a private channel from a reader who is not a member', async () => {
    const { service, secret } = await setup();

    const error = await service
      .read(person('bob'), secret.id, { mode: 'after', seq: 0, limit: 10 })
      .catch((e) => e);

    expect(error).toMatchObject({ kind: 'not-found' });
  });
});
