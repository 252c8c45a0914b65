import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type SocketClient, socketClient } from '../support/client.ts';
import { eventually, startTestAws, type TestAws } from '../support/local-aws.ts';

describe('realtime chat through local AWS', () => {
  let aws: TestAws;
  const sockets: SocketClient[] = [];
  const tokens: Record<string, string> = {};

  const open = async (user: string) => {
    const socket = await socketClient(aws.endpoints.edge, tokens[user] as string);
    sockets.push(socket);
    return socket;
  };
  const http = (user: string) => httpClient(aws.endpoints.edge, { token: tokens[user] });

  beforeAll(async () => {
    aws = await startTestAws();
    for (const user of ['alice', 'bob', 'carol']) tokens[user] = await aws.tokenFor(user);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await aws?.dispose();
  });

  it('lets two users exchange messages live', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'live' })).body;
    const alice = await open('alice');
    const bob = await open('bob');
    expect(await alice.subscribe(channel.id)).toEqual({
      type: 'channel:subscribed',
      data: { channelId: channel.id },
    });
    await bob.subscribe(channel.id);

    alice.send({ type: 'message:send', data: { id: 'a-1', channelId: channel.id, content: 'hi bob' } });

    const saved = await alice.next((f) => f.type === 'message:saved');
    expect(saved.data).toMatchObject({
      id: 'a-1',
      success: true,
      message: { seq: 1, content: 'hi bob', isOwnMessage: true },
    });
    const atBob = await bob.next((f) => f.type === 'message:new');
    expect(atBob.data.message).toMatchObject({
      seq: 1,
      content: 'hi bob',
      userName: 'alice',
      isOwnMessage: false,
    });
    const atAlice = await alice.next((f) => f.type === 'message:new');
    expect(atAlice.data.message).toMatchObject({ seq: 1, isOwnMessage: true });

    const reply = await http('bob').post(`/api/channels/${channel.id}/messages`, { content: 'hi alice' });
    expect(reply.status).toBe(201);
    expect((await alice.next((f) => f.type === 'message:new')).data.message).toMatchObject({
      seq: 2,
      content: 'hi alice',
    });
  });

  it('delivers to a connection that subscribed with the channel id in upper case', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'shouting' })).body;
    const bob = await open('bob');
    expect(await bob.subscribe(channel.id.toUpperCase())).toMatchObject({ type: 'channel:subscribed' });

    await http('alice').post(`/api/channels/${channel.id}/messages`, { content: 'heard?' });

    const delivered = await bob.next((f) => f.type === 'message:new');
    expect(delivered.data.message).toMatchObject({ channelId: channel.id, content: 'heard?' });
    bob.send({ type: 'channel:unsubscribe', data: { channelId: channel.id.toUpperCase() } });
    await bob.next((f) => f.type === 'channel:unsubscribed');
    const { Items = [] } = await aws.table.send(
      new QueryCommand({
        TableName: aws.connectionsTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `CHANNEL#${channel.id}` },
      }),
    );
    expect(Items).toEqual([]);
  });

  it('answers a repeated id with the first message and broadcasts it once', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'idempotent' })).body;
    const alice = await open('alice');
    const bob = await open('bob');
    await bob.subscribe(channel.id);

    for (let i = 0; i < 3; i++) {
      alice.send({ type: 'message:send', data: { id: 'same', channelId: channel.id, content: `try ${i}` } });
    }
    const answers = [
      await alice.next((f) => f.type === 'message:saved'),
      await alice.next((f) => f.type === 'message:saved'),
      await alice.next((f) => f.type === 'message:saved'),
    ];
    const byHttp = await http('alice').post(`/api/channels/${channel.id}/messages`, {
      content: 'again',
      clientMessageId: 'same',
    });

    expect(new Set(answers.map((a) => a.data.message.id)).size).toBe(1);
    expect(byHttp.status).toBe(200);
    expect(byHttp.body.id).toBe(answers[0]?.data.message.id);
    await bob.next((f) => f.type === 'message:new');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bob.frames.filter((f) => f.type === 'message:new')).toEqual([]);
    expect((await http('alice').get(`/api/channels/${channel.id}`)).body).toMatchObject({
      lastSeq: 1,
      messageCount: 1,
    });
  });

  it('stops delivering to a member removed from a private channel while subscribed', async () => {
    const channel = (
      await http('alice').post('/api/channels', { name: 'private-live', visibility: 'private' })
    ).body;
    const me = (await http('bob').get('/api/me')).body;
    expect((await http('alice').put(`/api/channels/${channel.id}/members/${me.userId}`)).status).toBe(200);
    const bob = await open('bob');
    await bob.subscribe(channel.id);

    expect((await http('alice').delete(`/api/channels/${channel.id}/members/${me.userId}`)).status).toBe(204);

    expect(await bob.next((f) => f.type === 'channel:unsubscribed')).toMatchObject({
      data: { channelId: channel.id },
    });
    await http('alice').post(`/api/channels/${channel.id}/messages`, { content: 'secret' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bob.frames.filter((f) => f.type === 'message:new')).toEqual([]);
    expect(await bob.subscribe(channel.id)).toMatchObject({ type: 'error', data: { code: 'not_found' } });
  });

  it('drops every subscription to a deleted channel at once', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'short-lived' })).body;
    const bob = await open('bob');
    await bob.subscribe(channel.id);

    expect((await http('alice').delete(`/api/channels/${channel.id}`)).status).toBe(204);

    expect(await bob.next((f) => f.type === 'channel:unsubscribed')).toEqual({
      type: 'channel:unsubscribed',
      data: { channelId: channel.id, reason: 'access_revoked' },
    });
    expect((await http('bob').get(`/api/channels/${channel.id}`)).status).toBe(404);
  });

  it('cleans up a client that vanished without $disconnect on the next fan-out', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'vanished' })).body;
    const later = Math.floor(Date.now() / 1000) + 3600;
    for (const item of [
      {
        pk: 'CONN#ghost=',
        sk: 'META',
        connectionId: 'ghost=',
        userId: 'nobody',
        expiresAt: later,
        tokenExpiresAt: later,
      },
      {
        pk: `CHANNEL#${channel.id}`,
        sk: 'CONN#ghost=',
        connectionId: 'ghost=',
        subscriberId: 'nobody',
        expiresAt: later,
        tokenExpiresAt: later,
      },
    ]) {
      await aws.table.send(new PutCommand({ TableName: aws.connectionsTable, Item: item }));
    }
    const bob = await open('bob');
    await bob.subscribe(channel.id);

    await http('alice').post(`/api/channels/${channel.id}/messages`, { content: 'anyone there?' });

    expect((await bob.next((f) => f.type === 'message:new')).data.message.content).toBe('anyone there?');
    await eventually(
      async () => {
        const { Items = [] } = await aws.table.send(
          new QueryCommand({
            TableName: aws.connectionsTable,
            IndexName: 'byConnection',
            KeyConditionExpression: 'connectionId = :id',
            ExpressionAttributeValues: { ':id': 'ghost=' },
          }),
        );
        return Items.length === 0;
      },
      15_000,
      'the ghost connection to be removed',
    );
  });

  it('loses and duplicates nothing while the database resumes', async () => {
    const channel = (await http('alice').post('/api/channels', { name: 'resume' })).body;
    const bob = await open('bob');
    await bob.subscribe(channel.id);

    aws.dataApi.pauseFor(3_000);
    const sends = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        http('alice').post(`/api/channels/${channel.id}/messages`, {
          content: `m${i}`,
          clientMessageId: `resume-${i}`,
        }),
      ),
    );

    expect(sends.map((s) => s.status)).toEqual([201, 201, 201, 201, 201]);
    const history = (await http('alice').get(`/api/channels/${channel.id}/messages`)).body;
    expect(history.total).toBe(5);
    expect(history.messages.map((m: { content: string }) => m.content).sort()).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
    expect(history.messages.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    for (let i = 0; i < 5; i++) await bob.next((f) => f.type === 'message:new');
  });
});
