import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from './support/client.ts';
import { startTestAws, type TestAws } from './support/local-aws.ts';

describe('GET /api/health through the local edge', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => aws?.dispose());

  it('answers ok when the Data API and DynamoDB answer', async () => {
    const response = await fetch(`${aws.endpoints.edge}/api/health`);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toEqual({ status: 'ok', checks: { database: 'ok', connections: 'ok' } });
  });

  it('answers 503 with Retry-After, naming the database, while Aurora resumes', async () => {
    aws.dataApi.pauseFor(2_000);

    const response = await fetch(`${aws.endpoints.edge}/api/health`);

    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await response.json()).toEqual({
      status: 'degraded',
      checks: { database: 'unavailable', connections: 'ok' },
    });
  });

  it('recovers once the database has resumed', async () => {
    aws.dataApi.pauseFor(300);
    await new Promise((resolve) => setTimeout(resolve, 400));

    const response = await fetch(`${aws.endpoints.edge}/api/health`);

    expect(response.status).toBe(200);
  });

  it('reports a resuming database at once to signed-in callers and bots too, and still refuses a bad token', async () => {
    const http = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('health-owner') });
    const apiKey = (await http.post('/api/api-keys', { name: 'health-bot' })).body.key as string;
    const newcomer = await aws.tokenFor('health-newcomer');
    aws.dataApi.pauseFor(15_000);
    try {
      const credentials: Record<string, string>[] = [
        { authorization: `Bearer ${newcomer}` },
        { 'x-api-key': apiKey },
      ];
      for (const headers of credentials) {
        const started = Date.now();
        const response = await fetch(`${aws.endpoints.edge}/api/health`, { headers });

        expect(response.status).toBe(503);
        expect(await response.json()).toMatchObject({
          status: 'degraded',
          checks: { database: 'unavailable' },
        });
        expect(Date.now() - started).toBeLessThan(10_000);
      }
      const forged = await fetch(`${aws.endpoints.edge}/api/health`, {
        headers: { authorization: `Bearer ${newcomer.slice(0, -4)}AAAA` },
      });
      expect(forged.status).toBe(401);
    } finally {
      aws.dataApi.pauseFor(0);
    }
  });
});
