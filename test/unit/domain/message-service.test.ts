import { describe, expect, it } from 'vitest';
import { makeChannelService } from '#domain/channels/channel-service';
import { makeMessageService } from '#domain/messages/message-service';
import type { DeliveryQueue } from '#domain/messages/ports';
import { makeAttachImages } from '#domain/uploads/attachments';
import type { ImageType } from '#domain/uploads/image-types';
import { DomainError } from '#shared/errors';
import {
  bot,
  countingQuota,
  memoryChannels,
  memoryImageBucket,
  memoryMessages,
  memoryUploads,
  person,
  recordingQueue,
  tinyImages,
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
  const uploads = memoryUploads();
  const media = memoryImageBucket();
  const service = makeMessageService({
    channels: channelService,
    messages: stored.store,
    deliveries: deliveries ?? queue,
    attachImages: makeAttachImages({ uploads: uploads.store, bucket: media.bucket, maxUploadBytes: 1024 }),
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
    uploads,
    media,
  };
}

const extensions: Record<ImageType, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** Records an upload of `owner`'s and, unless `body` is undefined, puts its object in the bucket. */
async function uploaded(
  world: Awaited<ReturnType<typeof setup>>,
  owner: string,
  contentType: ImageType,
  body: Uint8Array | undefined,
) {
  const id = crypto.randomUUID();
  await world.uploads.store.create({
    id,
    ownerId: owner,
    contentType,
    declaredSize: body?.length ?? 1,
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 300_000),
  });
  const key = `images/${id}.${extensions[contentType]}`;
  if (body) world.media.objects.set(key, { body, tags: { upload: 'pending' } });
  return { id, key };
}

/** Marks an upload as taken by a message, as the message store does when it stores one. */
function taken(world: Awaited<ReturnType<typeof setup>>, uploadId: string) {
  const upload = world.uploads.uploads.get(uploadId);
  if (!upload) throw new Error(`no upload ${uploadId}`);
  upload.messageId = crypto.randomUUID();
}

const withImages = (
  channelId: string,
  content: string,
  attachments: Array<{ uploadId: string; alt?: string }>,
  clientMessageId: string | null = null,
) => ({ channelId, content, clientMessageId, attachments });

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

describe('sending messages with images', () => {
  it('attaches the sender’s own uploads with their real size and dimensions, and tags them attached', async () => {
    const world = await setup();
    const png = await uploaded(world, 'bob', 'image/png', tinyImages.png);
    const jpeg = await uploaded(world, 'bob', 'image/jpeg', tinyImages.jpeg);

    const { message } = await world.service.send(
      person('bob'),
      withImages(world.open.id, '', [{ uploadId: png.id, alt: 'a dot' }, { uploadId: jpeg.id }]),
    );

    expect(message.content).toBe('');
    expect(message.attachments).toEqual([
      {
        uploadId: png.id,
        url: `/images/${png.id}.png`,
        contentType: 'image/png',
        size: tinyImages.png.length,
        width: 1,
        height: 1,
        alt: 'a dot',
      },
      {
        uploadId: jpeg.id,
        url: `/images/${jpeg.id}.jpg`,
        contentType: 'image/jpeg',
        size: tinyImages.jpeg.length,
        width: 2,
        height: 3,
      },
    ]);
    expect(world.media.objects.get(png.key)?.tags).toEqual({ upload: 'attached' });
    expect(world.media.objects.get(jpeg.key)?.tags).toEqual({ upload: 'attached' });
  });

  it('reads GIF and WebP dimensions too', async () => {
    const world = await setup();
    const gif = await uploaded(world, 'bob', 'image/gif', tinyImages.gif);
    const webp = await uploaded(world, 'bob', 'image/webp', tinyImages.webp);

    const { message } = await world.service.send(
      person('bob'),
      withImages(world.open.id, 'two', [{ uploadId: gif.id }, { uploadId: webp.id }]),
    );

    expect(message.attachments.map(({ width, height }) => [width, height])).toEqual([
      [3, 2],
      [1, 1],
    ]);
  });

  it.each([
    ['someone else’s upload', 'alice', 'image/png' as const, tinyImages.png, 'is not an upload of yours'],
    [
      'an upload never sent to the bucket',
      'bob',
      'image/png' as const,
      undefined,
      'has not been uploaded (or has expired)',
    ],
    [
      'HTML posing as a PNG',
      'bob',
      'image/png' as const,
      tinyImages.html,
      'is not an image of type image/png',
    ],
    [
      'a PNG declared as a GIF',
      'bob',
      'image/gif' as const,
      tinyImages.png,
      'is not an image of type image/gif',
    ],
    [
      'an object over the size limit',
      'bob',
      'image/png' as const,
      new Uint8Array(2048),
      'is over 1024 bytes',
    ],
  ])(
    'refuses %s, naming the attachment, and stores and tags nothing',
    async (_, owner, type, body, problem) => {
      const world = await setup();
      const good = await uploaded(world, 'bob', 'image/png', tinyImages.png);
      const bad = await uploaded(world, owner, type, body);

      const error = await world.service
        .send(person('bob'), withImages(world.open.id, 'x', [{ uploadId: good.id }, { uploadId: bad.id }]))
        .catch((e: unknown) => e);

      expect(error).toMatchObject({ kind: 'invalid', details: { 'attachments.1.uploadId': problem } });
      expect(world.stored.messages).toEqual([]);
      expect(world.queue.queued).toEqual([]);
      expect(world.media.objects.get(good.key)?.tags).toEqual({ upload: 'pending' });
    },
  );

  it('refuses an upload id nobody ever had', async () => {
    const world = await setup();

    const error = await world.service
      .send(person('bob'), withImages(world.open.id, 'x', [{ uploadId: crypto.randomUUID() }]))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'invalid',
      details: { 'attachments.0.uploadId': 'is not an upload of yours' },
    });
  });

  it('refuses an upload another message already took, and the same upload twice in one message', async () => {
    const world = await setup();
    const png = await uploaded(world, 'bob', 'image/png', tinyImages.png);
    await world.service.send(person('bob'), withImages(world.open.id, 'first', [{ uploadId: png.id }]));
    taken(world, png.id);
    const other = await uploaded(world, 'bob', 'image/png', tinyImages.png);

    const again = await world.service
      .send(person('bob'), withImages(world.open.id, 'second', [{ uploadId: png.id }]))
      .catch((e: unknown) => e);
    const twice = await world.service
      .send(
        person('bob'),
        withImages(world.open.id, 'twice', [{ uploadId: other.id }, { uploadId: other.id }]),
      )
      .catch((e: unknown) => e);

    expect(again).toMatchObject({
      details: { 'attachments.0.uploadId': 'is already attached to a message' },
    });
    expect(twice).toMatchObject({ details: { 'attachments.1.uploadId': 'is attached twice' } });
    expect(world.stored.messages).toHaveLength(1);
  });

  it('answers a repeated clientMessageId with the first message, its images included', async () => {
    const world = await setup();
    const png = await uploaded(world, 'bob', 'image/png', tinyImages.png);
    const first = await world.service.send(
      person('bob'),
      withImages(world.open.id, 'pic', [{ uploadId: png.id }], 'c-img'),
    );
    taken(world, png.id);

    const repeat = await world.service.send(
      person('bob'),
      withImages(world.open.id, 'pic', [{ uploadId: png.id }], 'c-img'),
    );

    expect(repeat).toEqual({ message: first.message, created: false });
    expect(world.queue.queued).toHaveLength(1);
  });

  it.each([
    ['empty', ''],
    ['only zero-width spaces', '\u200b\u200b'],
    ['only a joiner, a word joiner and spaces', ' \u200d\u2060 '],
    ['only bidirectional marks and a BOM', '\u200f\u200e\ufeff'],
    ['only a Hangul filler', '\u3164'],
  ])('refuses %s content without attachments, storing and charging nothing', async (_, content) => {
    const world = await setup();
    const charged = world.quota.charges.length;

    const error = await world.service
      .send(person('bob'), send(world.open.id, content))
      .catch((e: unknown) => e);

    expect(error).toMatchObject({
      kind: 'invalid',
      details: { content: 'must not be empty or only whitespace and invisible characters' },
    });
    expect(world.quota.charges).toHaveLength(charged);
    expect(
      (await world.service.read(person('bob'), world.open.id, { mode: 'offset', offset: 0, limit: 10 }))
        .total,
    ).toBe(0);
  });

  it('accepts content of only invisible characters with an attachment', async () => {
    const world = await setup();
    const png = await uploaded(world, 'bob', 'image/png', tinyImages.png);

    const sent = await world.service.send(
      person('bob'),
      withImages(world.open.id, '\u200b', [{ uploadId: png.id }]),
    );

    expect(sent.created).toBe(true);
    expect(sent.message.attachments).toHaveLength(1);
  });

  it('keeps invisible characters that belong to visible text', async () => {
    const world = await setup();

    const sent = await world.service.send(
      person('bob'),
      send(world.open.id, '👩\u200d💻 \u05e9\u05dc\u05d5\u05dd\u200f 42 ❤\ufe0f'),
    );

    expect(sent.message.content).toBe('👩\u200d💻 \u05e9\u05dc\u05d5\u05dd\u200f 42 ❤\ufe0f');
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
