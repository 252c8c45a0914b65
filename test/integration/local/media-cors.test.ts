import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAccount } from '#local/local-aws';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

describe("the local media bucket's CORS rules", () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => aws?.dispose());

  const preflight = (origin: string, method: string) =>
    fetch(`${aws.endpoints.s3}/${localAccount.mediaBucket}/images/photo.png`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'content-type,x-amz-checksum-crc32',
      },
    });

  it("are the stack's, allowing uploads from the edge's origin as the stack allows the distribution's", async () => {
    for (const method of ['PUT', 'POST']) {
      const answer = await preflight(aws.endpoints.edge, method);

      expect(answer.status, method).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBe(aws.endpoints.edge);
      expect(answer.headers.get('access-control-allow-methods')).toContain(method);
      expect(answer.headers.get('access-control-max-age')).toBe('3000');
    }
  });

  it('refuse other origins and methods', async () => {
    expect((await preflight('https://elsewhere.example', 'PUT')).status).toBe(403);
    expect((await preflight(aws.endpoints.edge, 'DELETE')).status).toBe(403);
  });
});
