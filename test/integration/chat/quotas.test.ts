import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rateLimitKey } from '#adapters/dynamodb-rate-limiter';
import { quotas } from '#domain/quotas/quotas';
import { handshakeStatus, httpClient, type SocketClient, socketClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

describe('quotas', () => {
  let aws: TestAws;
  const sockets: SocketClient[] = [];

  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await aws?.dispose();
  });

  const general = async (token: string) =>
    (
      (await httpClient(aws.endpoints.edge, { token }).get('/api/channels')).body as {
        id: string;
        name: string;
      }[]
    ).find((c) => c.name === 'general')?.id as string;

  /**
   * Spends a user's whole send allowance, as a burst of sends would, without racing the clock: local
   * AWS may not be fast enough to outrun 5 sends a second. The limiter itself is unit-tested.
   */
  async function exhaustSends(userId: string) {
    const tat = Date.now() + 10 * 60_000;
    await aws.table.send(
      new PutCommand({
        TableName: aws.connectionsTable,
        Item: {
          ...rateLimitKey(`${quotas.messageSends.scope}#${userId}`),
          tat,
          expiresAt: Math.ceil(tat / 1000),
        },
      }),
    );
  }

  it('answers 429 with Retry-After once a sender has spent its allowance over HTTP, storing nothing', async () => {
    const token = await aws.tokenFor('speedy-http');
    const http = httpClient(aws.endpoints.edge, { token });
    const channelId = await general(token);
    expect((await http.post(`/api/channels/${channelId}/messages`, { content: 'first' })).status).toBe(201);
    await exhaustSends((await http.get('/api/me')).body.userId);

    const limited = await http.post(`/api/channels/${channelId}/messages`, { content: 'too many' });

    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ error: { code: 'rate_limited' } });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const history = await http.get(`/api/channels/${channelId}/messages?limit=200`);
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: { content: string }) => m.content)).not.toContain('too many');
  });

  it('answers message:error rate_limited once a sender has spent its allowance over WebSocket', async () => {
    const token = await aws.tokenFor('speedy-ws');
    const channelId = await general(token);
    await exhaustSends((await httpClient(aws.endpoints.edge, { token }).get('/api/me')).body.userId);
    const socket = await socketClient(aws.endpoints.edge, token);
    sockets.push(socket);

    socket.send({ type: 'message:send', data: { id: 'over', channelId, content: 'too many' } });

    expect((await socket.next((f) => f.type === 'message:error')).data).toMatchObject({
      id: 'over',
      success: false,
      code: 'rate_limited',
    });
  });

  it('lets a burst of 20 sends through at once', async () => {
    const token = await aws.tokenFor('bursty');
    const http = httpClient(aws.endpoints.edge, { token });
    const channelId = await general(token);

    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http.post(`/api/channels/${channelId}/messages`, { content: `b${i}` }),
      ),
    );

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
  });

  it('limits the channels one person creates per hour', async () => {
    const http = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('founder') });

    const statuses = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await http.post('/api/channels', { name: `founded-${i}` })).status);

    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(201));
    expect(statuses[10]).toBe(429);
  });

  it('refuses a WebSocket connection beyond the per-user cap', async () => {
    const token = await aws.tokenFor('many-tabs');
    for (let i = 0; i < 20; i++) sockets.push(await socketClient(aws.endpoints.edge, token));

    expect(await handshakeStatus(aws.endpoints.edge, `?token=${token}`)).toBe(429);
  });
});
