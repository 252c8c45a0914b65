import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient, type SocketClient, socketClient } from './support/client.ts';
import { startTestAws, type TestAws } from './support/local-aws.ts';

describe('a WebSocket frame flood through local AWS', () => {
  let aws: TestAws;
  const sockets: SocketClient[] = [];

  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await aws?.dispose();
  });

  it("refuses the flooder's frames, then closes its connection, while another user's sends are acknowledged", async () => {
    const bobToken = await aws.tokenFor('bob');
    const channel = (
      await httpClient(aws.endpoints.edge, { token: bobToken }).post('/api/channels', {
        name: 'calm',
      })
    ).body;
    const bob = await socketClient(aws.endpoints.edge, bobToken);
    const mallory = await socketClient(aws.endpoints.edge, await aws.tokenFor('mallory'));
    sockets.push(bob, mallory);
    const closed = new Promise<{ code: number; reason: string }>((resolve) =>
      mallory.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    // Warm: the measure is the flood's effect, not a cold start.
    bob.send({ type: 'message:send', data: { id: 'calm-0', channelId: channel.id, content: 'hello' } });
    await bob.next((f) => f.type === 'message:saved');
    mallory.send({ type: 'ping' });
    await mallory.next((f) => f.type === 'pong');
    // A steady flood under the stage's throttle (50 a second), so that only the frame budgets refuse
    // it, kept up until the connection is closed: how fast local sandboxes work through frames then
    // sets only how long that takes, never whether the budget is exceeded.
    let flood = 0;
    const flooding = (async () => {
      const until = Date.now() + 45_000;
      while (mallory.socket.readyState === mallory.socket.OPEN && Date.now() < until) {
        mallory.send({ type: 'ping' });
        flood += 1;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = performance.now();
    bob.send({ type: 'message:send', data: { id: 'calm-1', channelId: channel.id, content: 'still here' } });
    const saved = await bob.next((f) => f.type === 'message:saved' || f.type === 'message:error');
    const acknowledgedInMs = performance.now() - started;
    await flooding;

    expect(saved.type).toBe('message:saved');
    expect(acknowledgedInMs).toBeLessThan(3_000);
    expect(await closed).toEqual({ code: 1000, reason: '' });
    const refusals = mallory.frames.filter((f) => f.type === 'error');
    expect(refusals[0]?.data).toMatchObject({ code: 'rate_limited', retryAfterSeconds: 1 });
    expect(refusals.at(-1)?.data.message).toContain('kept exceeding its budget and is closed');
    expect(mallory.frames.filter((f) => f.type === 'pong').length).toBeLessThan(flood);
  }, 60_000);
});
