import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handshakeStatus, httpClient, type SocketClient, socketClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

/**
 * Every route and WebSocket action against a private channel, for each kind of caller. A private
 * channel is invisible (404) to those outside it; managing it takes its owner or an admin; bots act
 * with their owner's access (here: the member's) and never manage anything.
 */
type Role = 'anonymous' | 'member' | 'nonMember' | 'owner' | 'admin' | 'bot';
const roles: Role[] = ['anonymous', 'member', 'nonMember', 'owner', 'admin', 'bot'];

describe('the authorization matrix', () => {
  let aws: TestAws;
  const sockets: SocketClient[] = [];
  const credentials: Record<Role, { token?: string; apiKey?: string }> = {
    anonymous: {},
    member: {},
    nonMember: {},
    owner: {},
    admin: {},
    bot: {},
  };
  const userIds: Record<string, string> = {};
  let owners = 0;

  const as = (role: Role) => httpClient(aws.endpoints.edge, credentials[role]);

  /** A private channel of its own owner (whose token is `owner`), with `member` and `extra` in it. */
  async function privateChannel(): Promise<{ id: string; owner: string; ownerId: string }> {
    const ownerToken = await aws.tokenFor(`owner-${++owners}`);
    const owner = httpClient(aws.endpoints.edge, { token: ownerToken });
    const channel = (await owner.post('/api/channels', { name: `private-${owners}`, visibility: 'private' }))
      .body;
    await owner.put(`/api/channels/${channel.id}/members/${userIds.member}`);
    await owner.put(`/api/channels/${channel.id}/members/${userIds.extra}`);
    return { id: channel.id, owner: ownerToken, ownerId: channel.createdBy };
  }
  let shared: { id: string; owner: string; ownerId: string };

  beforeAll(async () => {
    aws = await startTestAws();
    for (const name of ['member', 'nonMember', 'admin', 'extra'] as const) {
      const token = await aws.tokenFor(name, name === 'admin' ? ['admin'] : []);
      if (name !== 'extra') credentials[name] = { token };
      userIds[name] = (await httpClient(aws.endpoints.edge, { token }).get('/api/me')).body.userId;
    }
    const key = await httpClient(aws.endpoints.edge, credentials.member).post('/api/api-keys', {
      name: 'helper-bot',
    });
    credentials.bot = { apiKey: key.body.key };
    shared = await privateChannel();
    credentials.owner = { token: shared.owner };
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await aws?.dispose();
  });

  /** Runs one request per role; `fresh` requests get a private channel of their own (they change it). */
  async function statuses(
    request: (
      client: ReturnType<typeof as>,
      channel: { id: string; owner: string; ownerId: string },
    ) => Promise<{ status: number }>,
    fresh = false,
  ): Promise<Record<Role, number>> {
    const result = {} as Record<Role, number>;
    for (const who of roles) {
      let channel = shared;
      if (fresh) {
        channel = await privateChannel();
        if (who === 'owner') credentials.owner = { token: channel.owner };
      }
      result[who] = (await request(as(who), channel)).status;
      credentials.owner = { token: shared.owner };
    }
    return result;
  }

  it('GET /api/channels lists the private channel to those inside it only', async () => {
    const listed = {} as Record<Role, boolean>;
    for (const who of roles) {
      const answer = await as(who).get('/api/channels');
      expect(answer.status).toBe(200);
      listed[who] = answer.body.some((c: { id: string }) => c.id === shared.id);
    }
    expect(listed).toEqual({
      anonymous: false,
      member: true,
      nonMember: false,
      owner: true,
      admin: true,
      bot: true,
    });
  });

  it.each([
    [
      'GET /api/channels/{id}',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.get(`/api/channels/${ch.id}`),
      false,
      { anonymous: 404, member: 200, nonMember: 404, owner: 200, admin: 200, bot: 200 },
    ],
    [
      'GET /api/channels/{id}/members',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.get(`/api/channels/${ch.id}/members`),
      false,
      { anonymous: 404, member: 200, nonMember: 404, owner: 200, admin: 200, bot: 200 },
    ],
    [
      'GET /api/channels/{id}/messages',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.get(`/api/channels/${ch.id}/messages`),
      false,
      { anonymous: 404, member: 200, nonMember: 404, owner: 200, admin: 200, bot: 200 },
    ],
    [
      'POST /api/channels/{id}/messages',
      (c: ReturnType<typeof as>, ch: { id: string }) =>
        c.post(`/api/channels/${ch.id}/messages`, { content: 'hi' }),
      false,
      { anonymous: 401, member: 201, nonMember: 404, owner: 201, admin: 201, bot: 201 },
    ],
    [
      'POST /api/channels/{id}/join',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.post(`/api/channels/${ch.id}/join`),
      false,
      { anonymous: 401, member: 200, nonMember: 404, owner: 200, admin: 200, bot: 403 },
    ],
    [
      'PUT /api/channels/{id}/members/{userId}',
      (c: ReturnType<typeof as>, ch: { id: string }) =>
        c.put(`/api/channels/${ch.id}/members/${userIds.extra}`),
      false,
      { anonymous: 401, member: 403, nonMember: 404, owner: 200, admin: 200, bot: 403 },
    ],
    [
      'DELETE /api/channels/{id}/members/{userId}',
      (c: ReturnType<typeof as>, ch: { id: string }) =>
        c.delete(`/api/channels/${ch.id}/members/${userIds.extra}`),
      true,
      { anonymous: 401, member: 403, nonMember: 404, owner: 204, admin: 204, bot: 403 },
    ],
    [
      'POST /api/channels/{id}/leave',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.post(`/api/channels/${ch.id}/leave`),
      true,
      { anonymous: 401, member: 204, nonMember: 404, owner: 409, admin: 404, bot: 403 },
    ],
    [
      'PUT /api/channels/{id}/owner',
      (c: ReturnType<typeof as>, ch: { id: string }) =>
        c.put(`/api/channels/${ch.id}/owner`, { userId: userIds.extra }),
      true,
      { anonymous: 401, member: 403, nonMember: 404, owner: 200, admin: 200, bot: 403 },
    ],
    [
      'DELETE /api/channels/{id}/members/{ownerId}',
      (c: ReturnType<typeof as>, ch: { id: string; ownerId: string }) =>
        c.delete(`/api/channels/${ch.id}/members/${ch.ownerId}`),
      true,
      { anonymous: 401, member: 403, nonMember: 404, owner: 409, admin: 409, bot: 403 },
    ],
    [
      'DELETE /api/channels/{id}',
      (c: ReturnType<typeof as>, ch: { id: string }) => c.delete(`/api/channels/${ch.id}`),
      true,
      { anonymous: 401, member: 403, nonMember: 404, owner: 204, admin: 204, bot: 403 },
    ],
  ] as const)('%s', async (_, request, fresh, expected) => {
    expect(await statuses(request, fresh)).toEqual(expected);
  });

  it('finds a private channel missing on every route for a bot whose owner may not see it', async () => {
    const key = await as('nonMember').post('/api/api-keys', { name: 'outside-bot' });
    const bot = httpClient(aws.endpoints.edge, { apiKey: key.body.key });
    const channel = `/api/channels/${shared.id}`;

    const answers = await Promise.all([
      bot.get(channel),
      bot.get(`${channel}/members`),
      bot.get(`${channel}/messages`),
      bot.post(`${channel}/messages`, { content: 'hi' }),
      bot.post(`${channel}/join`),
      bot.post(`${channel}/leave`),
      bot.put(`${channel}/members/${userIds.extra}`),
      bot.delete(`${channel}/members/${userIds.extra}`),
      bot.delete(channel),
    ]);

    expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404]);
    expect(answers[4]?.body).toMatchObject({ error: { code: 'not_found' } });
  });

  it.each([
    [
      'GET /api/health',
      (c: ReturnType<typeof as>) => c.get('/api/health'),
      { anonymous: 200, member: 200, nonMember: 200, owner: 200, admin: 200, bot: 200 },
    ],
    [
      'GET /api/me',
      (c: ReturnType<typeof as>) => c.get('/api/me'),
      { anonymous: 401, member: 200, nonMember: 200, owner: 200, admin: 200, bot: 200 },
    ],
    [
      'GET /api/api-keys',
      (c: ReturnType<typeof as>) => c.get('/api/api-keys'),
      { anonymous: 401, member: 200, nonMember: 200, owner: 200, admin: 200, bot: 403 },
    ],
    [
      'POST /api/api-keys',
      (c: ReturnType<typeof as>) => c.post('/api/api-keys', { name: 'k' }),
      { anonymous: 401, member: 201, nonMember: 201, owner: 201, admin: 201, bot: 403 },
    ],
    [
      'POST /api/uploads',
      (c: ReturnType<typeof as>) => c.post('/api/uploads', { contentType: 'image/png', size: 100 }),
      { anonymous: 401, member: 201, nonMember: 201, owner: 201, admin: 201, bot: 201 },
    ],
  ] as const)('%s', async (_, request, expected) => {
    expect(await statuses(request)).toEqual(expected);
  });

  it('POST /api/channels', async () => {
    const result = {} as Record<Role, number>;
    for (const who of roles) {
      result[who] = (await as(who).post('/api/channels', { name: `made-by-${who}` })).status;
    }
    expect(result).toEqual({ anonymous: 401, member: 201, nonMember: 201, owner: 201, admin: 201, bot: 403 });
  });

  it("DELETE /api/api-keys/{id} of the member's key", async () => {
    const result = {} as Record<Role, number>;
    for (const who of roles) {
      const key = await as('member').post('/api/api-keys', { name: `to-revoke-by-${who}` });
      result[who] = (await as(who).delete(`/api/api-keys/${key.body.id}`)).status;
    }
    expect(result).toEqual({ anonymous: 401, member: 204, nonMember: 404, owner: 404, admin: 404, bot: 403 });
  });

  it('the WebSocket handshake admits people only', async () => {
    const result = {} as Record<Role, number>;
    for (const who of roles) {
      const { token, apiKey } = credentials[who];
      const query = token ? `?token=${token}` : apiKey ? `?token=${apiKey}` : '';
      result[who] = await handshakeStatus(aws.endpoints.edge, query);
    }
    expect(result).toEqual({ anonymous: 401, member: 101, nonMember: 101, owner: 101, admin: 101, bot: 403 });
  });

  it('WebSocket actions on the private channel', async () => {
    const people: Role[] = ['member', 'nonMember', 'owner', 'admin'];
    const outcome: Record<string, string[]> = {};
    for (const who of people) {
      const socket = await socketClient(aws.endpoints.edge, credentials[who].token as string);
      sockets.push(socket);
      const subscribe = await socket.subscribe(shared.id);
      socket.send({ type: 'message:send', data: { id: `from-${who}`, channelId: shared.id, content: 'hi' } });
      const send = await socket.next((f) => f.type === 'message:saved' || f.type === 'message:error');
      socket.send({ type: 'channel:unsubscribe', data: { channelId: shared.id } });
      const unsubscribe = await socket.next((f) => f.type === 'channel:unsubscribed');
      socket.send({ type: 'ping' });
      const ping = await socket.next((f) => f.type === 'pong');
      outcome[who] = [
        subscribe.type === 'error' ? subscribe.data.code : subscribe.type,
        send.type === 'message:error' ? send.data.code : send.type,
        unsubscribe.type,
        ping.type,
      ];
    }
    expect(outcome).toEqual({
      member: ['channel:subscribed', 'message:saved', 'channel:unsubscribed', 'pong'],
      nonMember: ['not_found', 'not_found', 'channel:unsubscribed', 'pong'],
      owner: ['channel:subscribed', 'message:saved', 'channel:unsubscribed', 'pong'],
      admin: ['channel:subscribed', 'message:saved', 'channel:unsubscribed', 'pong'],
    });
  });

  it('answers 401 to an invalid token on every route, public ones included, and 403 at the handshake', async () => {
    const bad = httpClient(aws.endpoints.edge, { token: 'not-a-jwt' });
    const answers = await Promise.all([
      bad.get('/api/health'),
      bad.get('/api/channels'),
      bad.get(`/api/channels/${shared.id}`),
      bad.get(`/api/channels/${shared.id}/messages`),
      bad.post(`/api/channels/${shared.id}/messages`, { content: 'x' }),
      bad.get('/api/me'),
    ]);
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 401]);
    expect(answers[0]?.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect(await handshakeStatus(aws.endpoints.edge, '?token=not-a-jwt')).toBe(403);
  });
});
