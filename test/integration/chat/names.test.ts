import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, httpClient, type SocketClient, socketClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

/**
 * Names people could confuse, and content that shows nothing, through local AWS: the HTTP API, the
 * WebSocket API and the database behind them.
 */
describe('names and invisible content', () => {
  let aws: TestAws;
  const sockets: SocketClient[] = [];
  let people = 0;

  /** A fresh person (each may create 10 channels an hour). */
  async function someone(groups: string[] = []): Promise<HttpClient & { token: string; userId: string }> {
    const token = await aws.tokenFor(`person-${++people}`, groups);
    const client = httpClient(aws.endpoints.edge, { token });
    const { userId } = (await client.get('/api/me')).body;
    return Object.assign(client, { token, userId });
  }

  const channelNames = async () =>
    ((await httpClient(aws.endpoints.edge).get('/api/channels')).body as { name: string }[]).map(
      (c) => c.name,
    );

  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await aws?.dispose();
  });

  describe('channel names', () => {
    it.each([
      ['ΣΊΣΥΦΟΣ', 'Σίσυφος'],
      ['STRASSE', 'straße'],
      ['Weiß', 'WEISS'],
      ['ｇｅｎｅｒａｌ-２', 'General-2'],
      ['ﬁle-share', 'FILE-SHARE'],
      ['two  spaces', 'two spaces'],
      ['❤️ fans', '❤ fans'],
    ])('refuses %s next to %s with 409, naming the existing channel', async (first, second) => {
      const alice = await someone();
      const bob = await someone();
      expect((await alice.post('/api/channels', { name: first })).status).toBe(201);

      const answer = await bob.post('/api/channels', { name: second });

      expect(answer.status).toBe(409);
      expect(answer.body).toEqual({
        error: { code: 'conflict', message: `A channel named "${first}" already exists.` },
      });
      expect((await channelNames()).filter((name) => name === second)).toEqual([]);
    });

    it('refuses the fullwidth spelling of a seed channel', async () => {
      const answer = await (await someone()).post('/api/channels', { name: 'ｇｅｎｅｒａｌ' });

      expect(answer.status).toBe(409);
      expect(answer.body.error.message).toBe('A channel named "general" already exists.');
    });

    it.each([
      ['a zero-width space', 'general\u200b', 'U+200B'],
      ['only zero-width spaces', '\u200b\u200b\u200b', 'U+200B'],
      ['a zero-width joiner', 'a\u200db', 'U+200D'],
      ['a control character', 'bell\u0007', 'U+0007'],
      ['a new line', 'two\nlines', 'U+000A'],
      ['a right-to-left override', 'evil\u202etxt.exe', 'U+202E'],
      ['a first strong isolate', 'a\u2068b', 'U+2068'],
      ['a right-to-left mark', 'a\u200fb', 'U+200F'],
      ['a byte order mark', 'gen\ufefferal', 'U+FEFF'],
      ['a line separator', 'a\u2028b', 'U+2028'],
      ['a Hangul filler', '\u3164', 'U+3164'],
      ['a halfwidth Hangul filler', 'x\uffa0', 'U+FFA0'],
    ])('refuses a name with %s with 400, storing nothing', async (_, name, codePoint) => {
      const before = await channelNames();

      const answer = await (await someone()).post('/api/channels', { name });

      expect(answer.status).toBe(400);
      expect(answer.body.error).toEqual({
        code: 'invalid',
        message: 'The request is invalid.',
        details: {
          name: `must not contain invisible, control or bidirectional characters (found ${codePoint})`,
        },
      });
      expect(await channelNames()).toEqual(before);
    });

    it('refuses a name of only spaces', async () => {
      const answer = await (await someone()).post('/api/channels', { name: ' \u3000 ' });

      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual({ name: 'must be at least 1 characters' });
    });

    it('refuses the same characters in an API key name', async () => {
      const answer = await (await someone()).post('/api/api-keys', { name: 'deploy\u200bbot' });

      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual({
        name: 'must not contain invisible, control or bidirectional characters (found U+200B)',
      });
    });

    it('keeps the list sorted by name case-insensitively', async () => {
      const alice = await someone();
      for (const name of ['zeta', 'Alpha', 'beta']) await alice.post('/api/channels', { name });

      const names = await channelNames();

      const ours = names.filter((name) => ['zeta', 'Alpha', 'beta', 'general', 'random'].includes(name));
      expect(ours).toEqual(['Alpha', 'beta', 'general', 'random', 'zeta']);
    });
  });

  describe('messages', () => {
    let channelId: string;
    let poster: Awaited<ReturnType<typeof someone>>;

    beforeAll(async () => {
      poster = await someone();
      channelId = (await poster.post('/api/channels', { name: 'invisible-ink' })).body.id;
    });

    const history = async () =>
      (await poster.get(`/api/channels/${channelId}/messages`)).body.messages as { content: string }[];

    it.each([
      ['zero-width spaces', '\u200b\u200b'],
      ['joiners and spaces', ' \u200d \u2060 '],
      ['bidirectional marks', '\u200e\u200f\u202b'],
      ['a Hangul filler', '\u3164'],
    ])('refuses content of only %s over HTTP, storing nothing', async (_, content) => {
      const answer = await poster.post(`/api/channels/${channelId}/messages`, { content });

      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual({
        content: 'must not be empty or only whitespace and invisible characters',
      });
      expect(await history()).toEqual([]);
    });

    it('refuses content of only invisible characters over WebSocket, storing nothing', async () => {
      const socket = await socketClient(aws.endpoints.edge, poster.token);
      sockets.push(socket);

      socket.send({
        type: 'message:send',
        data: { id: 'blank-1', channelId, content: '\u200b\ufeff\u200d' },
      });

      const refused = await socket.next((frame) => frame.type === 'message:error');
      expect(refused.data).toMatchObject({
        id: 'blank-1',
        success: false,
        code: 'invalid',
        details: { 'data.content': 'must not be empty or only whitespace and invisible characters' },
      });
      expect(await history()).toEqual([]);
    });

    it('keeps invisible characters that belong to visible text', async () => {
      const content = '👩\u200d💻 שלום\u200f 42 ❤\ufe0f';

      const answer = await poster.post(`/api/channels/${channelId}/messages`, { content });

      expect(answer.status).toBe(201);
      expect((await history()).map((message) => message.content)).toEqual([content]);
    });
  });

  describe('ownership', () => {
    it('refuses an owner leaving, hands the channel over, then lets the old owner leave', async () => {
      const alice = await someone();
      const bob = await someone();
      const { id } = (await alice.post('/api/channels', { name: 'handed-over', visibility: 'private' })).body;
      await alice.put(`/api/channels/${id}/members/${bob.userId}`);

      const refused = await alice.post(`/api/channels/${id}/leave`);
      const handedOver = await alice.put(`/api/channels/${id}/owner`, { userId: bob.userId });
      const left = await alice.post(`/api/channels/${id}/leave`);

      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('conflict');
      expect(refused.body.error.message).toMatch(/hand the channel over .* or delete it/);
      expect(handedOver.status).toBe(200);
      expect(handedOver.body).toMatchObject({ channelId: id, userId: bob.userId, role: 'owner' });
      expect(left.status).toBe(204);
      expect((await bob.get(`/api/channels/${id}/members`)).body).toMatchObject([
        { userId: bob.userId, role: 'owner' },
      ]);
    });

    it('refuses an admin removing the owner until the channel is handed over', async () => {
      const alice = await someone();
      const bob = await someone();
      const root = await someone(['admin']);
      const { id } = (await alice.post('/api/channels', { name: 'admin-managed', visibility: 'private' }))
        .body;
      await alice.put(`/api/channels/${id}/members/${bob.userId}`);

      const refused = await root.delete(`/api/channels/${id}/members/${alice.userId}`);
      const handedOver = await root.put(`/api/channels/${id}/owner`, { userId: bob.userId });
      const removed = await root.delete(`/api/channels/${id}/members/${alice.userId}`);

      expect([refused.status, handedOver.status, removed.status]).toEqual([409, 200, 204]);
      expect((await alice.get(`/api/channels/${id}`)).status).toBe(404);
    });

    it('lets an admin give a seed channel, which has no owner, an owner', async () => {
      const bob = await someone();
      const root = await someone(['admin']);
      const general = ((await bob.get('/api/channels')).body as { id: string; name: string }[]).find(
        (c) => c.name === 'general',
      );
      await bob.post(`/api/channels/${general?.id}/join`);

      const refused = await bob.put(`/api/channels/${general?.id}/owner`, { userId: bob.userId });
      const handedOver = await root.put(`/api/channels/${general?.id}/owner`, { userId: bob.userId });

      expect(refused.status).toBe(403);
      expect(handedOver.body).toMatchObject({ userId: bob.userId, role: 'owner' });
    });

    it('refuses to hand a channel to someone who is not a member', async () => {
      const alice = await someone();
      const bob = await someone();
      const { id } = (await alice.post('/api/channels', { name: 'not-to-strangers' })).body;

      const answer = await alice.put(`/api/channels/${id}/owner`, { userId: bob.userId });

      expect(answer.status).toBe(400);
      expect(answer.body.error.details).toEqual({ userId: 'must be a member of the channel' });
    });
  });
});
