import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { localFunctionName } from '#local/lambda-runtime';
import { localAccount } from '#local/local-aws';
import { fanOutFunction } from '../../lib/api-routes.ts';
import { eventually, startTestAws, type TestAws } from './support/local-aws.ts';

/** Opens a WebSocket through the edge, signed in as alice, and collects the frames it receives. */
async function connect(aws: TestAws) {
  const token = await aws.tokenFor('alice');
  const socket = new WebSocket(`${aws.endpoints.edge.replace(/^http/, 'ws')}/ws?token=${token}`);
  const frames: unknown[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const next = async () => {
    await eventually(async () => frames.length > 0, 15_000, 'a frame');
    return frames.shift();
  };
  return { socket, next };
}

describe('the WebSocket API through the local edge', () => {
  let aws: TestAws;
  const connectionItems = async () => {
    const { Items = [] } = await aws.table.send(new ScanCommand({ TableName: aws.connectionsTable }));
    return Items.filter((item) => String(item.pk).startsWith('CONN#'));
  };

  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => {
    await aws?.dispose();
  });

  it('refuses a handshake without a token with 401', async () => {
    const socket = new WebSocket(`${aws.endpoints.edge.replace(/^http/, 'ws')}/ws`);

    const status = await new Promise((resolve, reject) => {
      socket.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode);
      });
      socket.once('open', () => reject(new Error('the handshake was accepted')));
    });

    expect(status).toBe(401);
  });

  it('answers ping with pong', async () => {
    const { socket, next } = await connect(aws);

    socket.send(JSON.stringify({ type: 'ping' }));

    expect(await next()).toEqual({ type: 'pong' });
    socket.close();
  });

  it('records a connection while it is open and forgets it once closed', async () => {
    await eventually(async () => (await connectionItems()).length === 0, 15_000, 'earlier connections to go');
    const { socket } = await connect(aws);
    await eventually(async () => (await connectionItems()).length === 1, 15_000, 'the connection record');
    const [item] = await connectionItems();
    expect(item).toMatchObject({
      sk: 'META',
      connectionId: expect.any(String),
      expiresAt: expect.any(Number),
    });
    expect(item?.expiresAt).toBeGreaterThan(Date.now() / 1000);

    socket.close();

    await eventually(async () => (await connectionItems()).length === 0, 15_000, 'the record to go');
  });

  it('answers a malformed frame with an error frame and keeps the connection open', async () => {
    const { socket, next } = await connect(aws);

    socket.send('not json');
    expect(await next()).toMatchObject({ type: 'error', data: { code: 'invalid' } });
    socket.send(JSON.stringify({ type: 'no-such-type' }));
    expect(await next()).toMatchObject({
      type: 'error',
      data: { code: 'invalid', message: 'Unknown frame type "no-such-type".' },
    });
    socket.send(JSON.stringify({ type: 'ping' }));
    expect(await next()).toEqual({ type: 'pong' });
    socket.close();
  });

  it('offers the fan-out function to asynchronous invocations under the name the functions are given', async () => {
    const lambda = new LambdaClient({
      endpoint: aws.endpoints.lambda,
      region: localAccount.region,
      credentials: localAccount.credentials,
    });

    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: localFunctionName(fanOutFunction), InvocationType: 'DryRun' }),
    );

    expect(answer.StatusCode).toBe(204);
    lambda.destroy();
  });
});
