import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApi } from '#adapters/data-api';
import { localAccount } from '#local/local-aws';
import { httpClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

describe('message history over HTTP', () => {
  let aws: TestAws;
  let channelId: string;
  let http: ReturnType<typeof httpClient>;

  beforeAll(async () => {
    aws = await startTestAws();
    http = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('historian') });
    channelId = (await http.post('/api/channels', { name: 'history' })).body.id;
    for (let i = 1; i <= 12; i++) {
      // Sequential: the send quota allows bursts of 20.
      expect((await http.post(`/api/channels/${channelId}/messages`, { content: `m${i}` })).status).toBe(201);
    }
  });
  afterAll(async () => aws?.dispose());

  const seqs = (body: { messages: { seq: number }[] }) => body.messages.map((m) => m.seq);

  it('pages by offset with total and hasMore, anonymous readers included', async () => {
    const anonymous = httpClient(aws.endpoints.edge);
    const first = (await anonymous.get(`/api/channels/${channelId}/messages?limit=5`)).body;
    const last = (await anonymous.get(`/api/channels/${channelId}/messages?limit=5&offset=10`)).body;

    expect([seqs(first), first.total, first.hasMore]).toEqual([[1, 2, 3, 4, 5], 12, true]);
    expect([seqs(last), last.total, last.hasMore]).toEqual([[11, 12], 12, false]);
    expect(first.messages[0]).toEqual({
      id: expect.any(String),
      channelId,
      seq: 1,
      userId: expect.any(String),
      userName: 'historian',
      content: 'm1',
      timestamp: first.messages[0].createdAt,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      clientMessageId: null,
      isOwnMessage: false,
      attachments: [],
    });
  });

  it('catches up with after= and scrolls back with before=, ascending within a page', async () => {
    const after = (await http.get(`/api/channels/${channelId}/messages?after=9&limit=2`)).body;
    const latest = (await http.get(`/api/channels/${channelId}/messages?before=13&limit=3`)).body;
    const older = (await http.get(`/api/channels/${channelId}/messages?before=3&limit=3`)).body;

    expect([seqs(after), after.hasMore]).toEqual([[10, 11], true]);
    expect([seqs(latest), latest.hasMore]).toEqual([[10, 11, 12], true]);
    expect([seqs(older), older.hasMore]).toEqual([[1, 2], false]);
    expect(latest.messages[0].isOwnMessage).toBe(true);
  });

  it.each([
    ['limit=0'],
    ['limit=201'],
    ['limit=abc'],
    ['offset=-1'],
    ['after=1&before=5'],
    ['offset=0&after=1'],
    ['before=1.5'],
  ])('refuses %s with 400 invalid', async (query) => {
    const answer = await http.get(`/api/channels/${channelId}/messages?${query}`);

    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid');
    expect(Object.keys(answer.body.error.details).length).toBeGreaterThan(0);
  });

  it('serves a page of 200 messages of 4000 characters, beyond the Data API 1 MiB limit', async () => {
    const big = (await http.post('/api/channels', { name: 'big-history' })).body.id as string;
    const me = (await http.get('/api/me')).body;
    // Planted through the Data API in one statement: sending them would take the send quota 40 s.
    const db = createDataApi({
      clusterArn: localAccount.clusterArn,
      secretArn: localAccount.secretArn,
      database: localAccount.database,
      client: new RDSDataClient({
        endpoint: aws.endpoints.dataApi,
        region: localAccount.region,
        credentials: localAccount.credentials,
      }),
    });
    await db.execute(
      `with planted as (
         insert into messages (channel_id, seq, user_id, user_name, content)
         select :channelId, n, :userId, 'historian', lpad(n::text, 4, '0') || repeat('"é', 1998) from generate_series(1, 200) n
         returning seq
       )
       update channels set last_seq = 200, message_count = (select count(*) from planted) where id = :channelId`,
      { channelId: { uuid: big }, userId: me.userId },
    );

    const answer = await http.get(`/api/channels/${big}/messages?limit=200`);

    expect(answer.status).toBe(200);
    expect(answer.body.messages.map((m: { seq: number }) => m.seq)).toEqual(
      Array.from({ length: 200 }, (_, i) => i + 1),
    );
    expect([...answer.body.messages[199].content].length).toBe(4000);
    expect(JSON.stringify(answer.body).length).toBeGreaterThan(1024 * 1024);
  });

  it('ignores unknown query parameters', async () => {
    expect((await http.get(`/api/channels/${channelId}/messages?limit=1&colour=blue`)).status).toBe(200);
  });

  it.each([
    [{ content: '' }, 'content'],
    [{ content: '   ' }, 'content'],
    [{ content: 'x'.repeat(4001) }, 'content'],
    [{ content: 'ok', clientMessageId: 'has space' }, 'clientMessageId'],
    [{ content: 'ok', attachments: 'x' }, 'attachments'],
    [{ content: 'ok', attachments: [{ url: 'x' }] }, ['attachments.0.uploadId']],
    [{}, 'content'],
    [{ content: 'a\u0000b' }, 'content'],
    [{ content: 'a\ud800b' }, 'content'],
  ])('refuses the body %j naming %s, and stores nothing', async (body, field) => {
    const answer = await http.post(`/api/channels/${channelId}/messages`, body);

    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toHaveProperty(field);
    expect((await http.get(`/api/channels/${channelId}`)).body.messageCount).toBe(12);
  });

  it('answers text PostgreSQL cannot store as bad input on the other routes that store text', async () => {
    const badName = await http.post('/api/channels', { name: 'nul\u0000name' });
    const badDescription = await http.post('/api/channels', { name: 'fine', description: 'a\u0000' });
    const badKey = await http.post('/api/api-keys', { name: 'key\u0000' });
    const noSuchUser = await http.put(`/api/channels/${channelId}/members/someone%00else`);

    expect([badName.status, badName.body.error.details]).toEqual([400, { name: expect.any(String) }]);
    expect([badDescription.status, badDescription.body.error.details]).toEqual([
      400,
      { description: expect.any(String) },
    ]);
    expect([badKey.status, badKey.body.error.details]).toEqual([400, { name: expect.any(String) }]);
    expect([noSuchUser.status, noSuchUser.body.error.code]).toEqual([404, 'not_found']);
    expect((await http.get('/api/channels')).body.map((c: { name: string }) => c.name)).not.toContain('fine');
  });

  it('counts content in code points: 4000 emoji are allowed', async () => {
    const answer = await http.post(`/api/channels/${channelId}/messages`, { content: '😀'.repeat(4000) });

    expect(answer.status).toBe(201);
  });

  it('ignores identity fields sent by the client', async () => {
    const answer = await http.post(`/api/channels/${channelId}/messages`, {
      content: 'me',
      userId: 'someone-else',
      userName: 'mallory',
      isOwnMessage: false,
      seq: 99,
      timestamp: '2000-01-01T00:00:00.000Z',
    });

    expect(answer.body).toMatchObject({ userName: 'historian', isOwnMessage: true, seq: 14 });
    expect(answer.body.timestamp).not.toBe('2000-01-01T00:00:00.000Z');
  });

  it('answers 404 for a channel id that is not a UUID, and for a body that is not JSON, 400', async () => {
    expect((await http.get('/api/channels/general/messages')).status).toBe(404);
    expect((await http.post(`/api/channels/${channelId}/messages`, 'not json')).status).toBe(400);
  });
});
