import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataApi } from '#adapters/data-api';
import { dataApiChannelStore } from '#adapters/data-api-channels';
import { dataApiMessageStore } from '#adapters/data-api-messages';
import { dataApiUploadStore } from '#adapters/data-api-uploads';
import { channelNameKey } from '#domain/channels/channel-name-key';
import type { ChannelStore } from '#domain/channels/ports';
import type { MessageStore } from '#domain/messages/ports';
import { DomainError } from '#shared/errors';
import { startTestDatabase, type TestDatabase } from '../support/data-api.ts';

/** An insert's answer when it stored or found a message; a message without images is never refused for them. */
function stored(result: Awaited<ReturnType<MessageStore['insert']>>) {
  if (result === 'attachments-taken') throw new Error('a message without attachments was refused for them');
  return result;
}

describe('the Data API channel and message stores', () => {
  let database: TestDatabase;
  let db: DataApi;
  let channels: ChannelStore;
  let messages: MessageStore;

  beforeAll(async () => {
    database = await startTestDatabase();
    db = await database.fresh();
    channels = dataApiChannelStore(db);
    messages = dataApiMessageStore(db);
    await db.execute(
      "insert into users (id, username) values ('alice', 'alice'), ('bob', 'bob'), ('carol', 'carol')",
    );
  });
  afterAll(async () => database?.dispose());

  const newMessage = (
    channelId: string,
    content: string,
    clientMessageId: string | null = null,
    userId = 'bob',
  ) => ({
    channelId,
    userId,
    userName: userId,
    content,
    clientMessageId,
    attachments: [],
  });

  /** A public channel alice owns. */
  const publicChannel = (name: string) =>
    channels.create({
      name,
      description: '',
      visibility: 'public',
      createdBy: 'alice',
      nameKey: channelNameKey(name),
    });

  it('starts with general and random, sorted by name, created by nobody', async () => {
    const list = await channels.list(undefined);

    expect(list.map((c) => [c.name, c.createdBy, c.lastSeq, c.messageCount])).toEqual([
      ['general', null, 0, 0],
      ['random', null, 0, 0],
    ]);
  });

  it('creates a channel owned by its creator and refuses a name taken in another case', async () => {
    const created = await channels.create({
      name: 'Design',
      nameKey: 'design',
      description: 'd',
      visibility: 'private',
      createdBy: 'alice',
    });

    expect(created).toMatchObject({ name: 'Design', visibility: 'private', createdBy: 'alice', lastSeq: 0 });
    expect(await channels.find(created.id, 'alice')).toMatchObject({ role: 'owner' });
    expect(await channels.find(created.id, 'bob')).toMatchObject({ role: undefined });
    const duplicate = await channels
      .create({ name: 'design', nameKey: 'design', description: '', visibility: 'public', createdBy: 'bob' })
      .catch((e: unknown) => e);
    expect(duplicate).toBeInstanceOf(DomainError);
    expect(duplicate).toMatchObject({ kind: 'conflict' });
  });

  it('lists private channels to members and admins only', async () => {
    const secret = await channels.create({
      name: 'zz-secret',
      nameKey: 'zz-secret',
      description: '',
      visibility: 'private',
      createdBy: 'alice',
    });

    const names = async (viewer?: { accessUserId: string; isAdmin: boolean }) =>
      (await channels.list(viewer)).map((c) => c.name);

    expect(await names({ accessUserId: 'bob', isAdmin: false })).not.toContain('zz-secret');
    expect(await names({ accessUserId: 'alice', isAdmin: false })).toContain('zz-secret');
    expect(await names({ accessUserId: 'carol', isAdmin: true })).toContain('zz-secret');
    await channels.addMember(secret.id, 'bob');
    expect(await names({ accessUserId: 'bob', isAdmin: false })).toContain('zz-secret');
  });

  it('adds members idempotently, keeping the owner the owner, and removes them', async () => {
    const channel = await publicChannel('members');

    await channels.addMember(channel.id, 'bob');
    await channels.addMember(channel.id, 'bob');
    const owner = await channels.addMember(channel.id, 'alice');

    expect(owner.role).toBe('owner');
    expect((await channels.members(channel.id)).map((m) => [m.userId, m.role])).toEqual([
      ['alice', 'owner'],
      ['bob', 'member'],
    ]);
    expect(await channels.removeMember(channel.id, 'bob')).toBe('removed');
    expect(await channels.removeMember(channel.id, 'bob')).toBe('not-member');
    expect(await channels.userName('carol')).toBe('carol');
    expect(await channels.userName('nobody')).toBeUndefined();
  });

  it('never removes the owner', async () => {
    const channel = await publicChannel('kept-owner');

    expect(await channels.removeMember(channel.id, 'alice')).toBe('owner');
    expect(await channels.find(channel.id, 'alice')).toMatchObject({ role: 'owner' });
  });

  it('hands a channel over to a member only, leaving exactly one owner', async () => {
    const channel = await publicChannel('handed-over');
    await channels.addMember(channel.id, 'bob');
    await channels.addMember(channel.id, 'carol');

    expect(await channels.transferOwnership(channel.id, 'nobody')).toBeUndefined();
    const [toBob, toCarol] = await Promise.all([
      channels.transferOwnership(channel.id, 'bob'),
      channels.transferOwnership(channel.id, 'carol'),
    ]);

    expect([toBob?.role, toCarol?.role]).toEqual(['owner', 'owner']);
    const roles = (await channels.members(channel.id)).filter((m) => m.role === 'owner');
    expect(roles).toHaveLength(1);
  });

  it('names the existing channel when a new name has the same key', async () => {
    await publicChannel('Straße');

    const duplicate = await publicChannel('STRASSE').catch((e: unknown) => e);

    expect(duplicate).toMatchObject({
      kind: 'conflict',
      message: 'A channel named "Straße" already exists.',
    });
  });

  it('gives a seed channel, which has no owner, an owner', async () => {
    const general = (await channels.list(undefined)).find((c) => c.name === 'general');
    if (!general) throw new Error('no seed channel');
    await channels.addMember(general.id, 'bob');

    expect(await channels.transferOwnership(general.id, 'bob')).toMatchObject({
      userId: 'bob',
      role: 'owner',
    });
  });

  it('assigns seq atomically and keeps lastSeq and messageCount exact', async () => {
    const channel = await publicChannel('seq');

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => messages.insert(newMessage(channel.id, `m${i}`)).then(stored)),
    );

    expect(results.map((r) => r?.message.seq).sort((a = 0, b = 0) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    expect((await channels.find(channel.id, undefined))?.channel).toMatchObject({
      lastSeq: 20,
      messageCount: 20,
    });
  });

  it('records uploads and gives each to one message only, however many sends race for it', async () => {
    const uploads = dataApiUploadStore(db);
    const channel = await publicChannel('pictures');
    const uploadId = crypto.randomUUID();
    const createdAt = new Date('2026-01-01T12:00:00.000Z');
    await uploads.create({
      id: uploadId,
      ownerId: 'bob',
      contentType: 'image/png',
      declaredSize: 68,
      createdAt,
      expiresAt: new Date('2026-01-01T12:05:00.000Z'),
    });
    const attachment = {
      uploadId,
      url: `/images/${uploadId}.png`,
      contentType: 'image/png',
      size: 68,
      width: 1,
      height: 1,
    };

    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        messages.insert({ ...newMessage(channel.id, `pic ${i}`), attachments: [attachment] }),
      ),
    );

    const created = results.filter((r) => typeof r === 'object' && r.created);
    expect(created).toHaveLength(1);
    expect(results.filter((r) => r === 'attachments-taken')).toHaveLength(5);
    const [record] = await uploads.find([uploadId]);
    expect(record).toMatchObject({ ownerId: 'bob', contentType: 'image/png', declaredSize: 68, createdAt });
    expect(record?.messageId).toBe((created[0] as { message: { id: string } }).message.id);
    expect((await channels.find(channel.id, undefined))?.channel.messageCount).toBe(1);
  });

  it("refuses to give a message someone else's upload", async () => {
    const uploads = dataApiUploadStore(db);
    const channel = await publicChannel('not-yours');
    const uploadId = crypto.randomUUID();
    await uploads.create({
      id: uploadId,
      ownerId: 'alice',
      contentType: 'image/gif',
      declaredSize: 10,
      createdAt: new Date(),
      expiresAt: new Date(),
    });
    const attachment = {
      uploadId,
      url: '/images/x.gif',
      contentType: 'image/gif',
      size: 10,
      width: 1,
      height: 1,
    };

    const result = await messages.insert({ ...newMessage(channel.id, 'mine?'), attachments: [attachment] });

    expect(result).toBe('attachments-taken');
    expect((await channels.find(channel.id, undefined))?.channel.messageCount).toBe(0);
  });

  it('stores a clientMessageId once, however many repeats race', async () => {
    const channel = await publicChannel('idem');

    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        messages.insert(newMessage(channel.id, 'once', 'client-1')).then(stored),
      ),
    );

    expect(results.filter((r) => r?.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r?.message.id)).size).toBe(1);
    expect((await channels.find(channel.id, undefined))?.channel).toMatchObject({
      lastSeq: 1,
      messageCount: 1,
    });
    const again = await messages.insert(newMessage(channel.id, 'once', 'client-1', 'carol'));
    expect(again).toMatchObject({ created: true, message: { seq: 2 } });
  });

  it('answers undefined for a channel that does not exist', async () => {
    expect(await messages.insert(newMessage('00000000-0000-4000-8000-000000000000', 'x'))).toBeUndefined();
  });

  it('pages by offset, after and before, always in ascending seq', async () => {
    const channel = await publicChannel('paging');
    for (let i = 1; i <= 7; i++) await messages.insert(newMessage(channel.id, `m${i}`));
    const seqs = (page: { messages: { seq: number }[]; hasMore: boolean }) => [
      page.messages.map((m) => m.seq),
      page.hasMore,
    ];

    expect(seqs(await messages.page(channel.id, { mode: 'offset', offset: 0, limit: 3 }))).toEqual([
      [1, 2, 3],
      true,
    ]);
    expect(seqs(await messages.page(channel.id, { mode: 'offset', offset: 5, limit: 3 }))).toEqual([
      [6, 7],
      false,
    ]);
    expect(seqs(await messages.page(channel.id, { mode: 'after', seq: 4, limit: 2 }))).toEqual([
      [5, 6],
      true,
    ]);
    expect(seqs(await messages.page(channel.id, { mode: 'after', seq: 5, limit: 2 }))).toEqual([
      [6, 7],
      false,
    ]);
    expect(seqs(await messages.page(channel.id, { mode: 'before', seq: 8, limit: 3 }))).toEqual([
      [5, 6, 7],
      true,
    ]);
    expect(seqs(await messages.page(channel.id, { mode: 'before', seq: 3, limit: 3 }))).toEqual([
      [1, 2],
      false,
    ]);
  });

  it('returns a page beyond the Data API 1 MiB response limit in full', async () => {
    const channel = await publicChannel('big');
    // Quotes and backslashes double in JSON, and again in the Data API's JSON response.
    const content = (i: number) => `${i}:${'"\\'.repeat(1000)}${'あ'.repeat(1990)}`.slice(0, 4000);
    for (let i = 1; i <= 200; i++) await messages.insert(newMessage(channel.id, content(i)));

    const page = await messages.page(channel.id, { mode: 'offset', offset: 0, limit: 200 });
    const before = await messages.page(channel.id, { mode: 'before', seq: 201, limit: 200 });

    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(page.messages[41]?.content).toBe(content(42));
    expect(page.hasMore).toBe(false);
    expect(before.messages.map((m) => m.seq)).toEqual(page.messages.map((m) => m.seq));
    expect(JSON.stringify(page.messages).length).toBeGreaterThan(1024 * 1024);
  });

  it('deletes a channel with its members and messages', async () => {
    const channel = await publicChannel('doomed');
    await messages.insert(newMessage(channel.id, 'bye'));

    await channels.remove(channel.id);

    expect(await channels.find(channel.id, 'alice')).toBeUndefined();
    expect(
      await db.query('select count(*)::int as n from messages where channel_id = :id', {
        id: { uuid: channel.id },
      }),
    ).toEqual([{ n: 0 }]);
  });
});
