import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

  it("answers an unknown API path with API Gateway's own 404", async () => {
    const response = await fetch(`${aws.endpoints.edge}/api/nope`);

    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  });
});
