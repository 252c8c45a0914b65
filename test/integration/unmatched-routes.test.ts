import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from './support/local-aws.ts';

describe('requests no API route matches, through the local edge', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => aws?.dispose());

  const api = (path: string, init?: RequestInit) => fetch(`${aws.endpoints.edge}${path}`, init);

  it("answers an unknown path with the contract's 404 body, whatever the method", async () => {
    for (const [path, method] of [
      ['/api/nope', 'GET'],
      ['/api/channels/x/y/z', 'POST'],
      ['/api/', 'GET'],
    ] as const) {
      const response = await api(path, { method });

      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(await response.json()).toEqual({
        error: { code: 'not_found', message: `There is no ${path} in the API.` },
      });
    }
  });

  it('answers a known path asked with another method with 405 and the methods it allows', async () => {
    const response = await api('/api/channels', { method: 'PATCH' });

    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
    expect(await response.json()).toEqual({
      error: {
        code: 'method_not_allowed',
        message: '/api/channels does not accept PATCH; it accepts GET, POST.',
      },
    });
  });

  it('matches path parameters as API Gateway does', async () => {
    const channel = await api('/api/channels/6c1f2a4e-0000-4000-8000-000000000000', { method: 'POST' });
    const member = await api('/api/channels/a/members/b', { method: 'GET' });

    expect(channel.headers.get('allow')).toBe('GET, DELETE');
    expect(member.headers.get('allow')).toBe('PUT, DELETE');
  });

  it('answers HEAD and OPTIONS with 405 too: no route serves them, and the API answers no CORS preflight', async () => {
    const head = await api('/api/channels', { method: 'HEAD' });
    const options = await api('/api/channels', {
      method: 'OPTIONS',
      headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' },
    });

    expect(head.status).toBe(405);
    expect(head.headers.get('allow')).toBe('GET, POST');
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('GET, POST');
    expect(options.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves the real routes alone', async () => {
    const response = await api('/api/channels');

    expect(response.status).toBe(200);
  });
});
