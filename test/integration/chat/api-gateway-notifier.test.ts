import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { apiGatewayNotifier } from '#adapters/api-gateway-notifier';

/**
 * The management API's answers are scripted here, because local AWS never throttles: a queue of
 * status codes and error types, one per request, then 200.
 */
describe('the API Gateway notifier', () => {
  let server: Server;
  let endpoint: string;
  let script: { status: number; type: string }[] = [];
  const requests: { method: string; url: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        requests.push({
          method: req.method ?? '',
          url: req.url ?? '',
          body: Buffer.concat(chunks).toString(),
        });
        const next = script.shift();
        if (!next) return res.writeHead(200).end();
        res
          .writeHead(next.status, { 'content-type': 'application/json', 'x-amzn-errortype': next.type })
          .end(JSON.stringify({ message: next.type }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    vi.stubEnv('AWS_REGION', 'us-east-1');
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    script = [];
    requests.length = 0;
  });

  const throttled = { status: 429, type: 'LimitExceededException' };

  it('retries a throttled post with backoff beyond the SDK default of three attempts', async () => {
    script = [throttled, throttled, throttled];

    const delivered = await apiGatewayNotifier({ endpoint }).send('conn-1', { type: 'pong' });

    expect(delivered).toBe(true);
    expect(requests).toHaveLength(4);
    for (const request of requests) {
      expect(request).toEqual({ method: 'POST', url: '/@connections/conn-1', body: '{"type":"pong"}' });
    }
  });

  it('answers false for a connection that is gone, without retrying', async () => {
    script = [{ status: 410, type: 'GoneException' }];

    expect(await apiGatewayNotifier({ endpoint }).send('conn-2', { type: 'pong' })).toBe(false);
    expect(requests).toHaveLength(1);
  });

  it('throws other refusals to its caller', async () => {
    script = [{ status: 403, type: 'ForbiddenException' }];

    await expect(apiGatewayNotifier({ endpoint }).send('conn-3', { type: 'pong' })).rejects.toMatchObject({
      name: 'ForbiddenException',
    });
    expect(requests).toHaveLength(1);
  });

  it('closes a connection, and treats one already gone as closed', async () => {
    script = [{ status: 410, type: 'GoneException' }];
    const notifier = apiGatewayNotifier({ endpoint });

    await notifier.close('conn-4');
    await notifier.close('conn-5');

    expect(requests.map(({ method, url }) => `${method} ${url}`)).toEqual([
      'DELETE /@connections/conn-4',
      'DELETE /@connections/conn-5',
    ]);
  });
});
