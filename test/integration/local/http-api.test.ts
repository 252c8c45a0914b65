import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec, HttpRoute } from '../../../lib/api-routes.ts';
import { type RunningHttpApi, startHttpApi } from '../../../local/http-api.ts';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda-runtime.ts';

const echo: FunctionSpec = { id: 'Echo', entry: 'http-echo', access: [] };
const answers: FunctionSpec = { id: 'Answers', entry: 'http-answers', access: [], timeoutSeconds: 5 };
const routes: HttpRoute[] = [
  { method: 'GET', path: '/api/items/{itemId}', function: echo },
  { method: 'GET', path: '/api/items/featured', function: echo },
  { method: 'POST', path: '/api/items', function: echo },
  { method: 'GET', path: '/api/files/{proxy+}', function: echo },
  { method: 'GET', path: '/api/answers', function: answers },
];

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw HTTP request, so tests control repeated headers and bodies exactly. */
function send(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: Buffer | string } = {},
) {
  return new Promise<Reply>((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
    });
    // The gateway may answer (413) before an oversized body is fully written.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? undefined : reject(error)));
    req.end(options.body);
  });
}

const json = (reply: Reply) => JSON.parse(reply.body.toString()) as Record<string, unknown>;

describe('local HTTP API', () => {
  let runtime: LambdaRuntime;
  let api: RunningHttpApi;

  beforeAll(async () => {
    runtime = createLambdaRuntime({
      handlersDir: new URL('./fixtures/', import.meta.url),
      environment: () => ({}),
    });
    api = await startHttpApi({ routes, runtime });
  });

  afterAll(async () => {
    await api.stop();
    await runtime.stop();
  });

  describe('builds payload format 2.0 events', () => {
    it('with the route, path, query, cookies and lower-cased headers', async () => {
      const reply = await send(`${api.url}/api/items/a%20b?tag=x&tag=y&empty&q=1+2`, {
        headers: { 'X-Multi': ['one', 'two'], Cookie: ['a=1; b=2', 'c=3'], 'User-Agent': 'tests/1.0' },
      });
      const event = json(reply);

      expect(reply.status).toBe(200);
      expect(event).toMatchObject({
        version: '2.0',
        routeKey: 'GET /api/items/{itemId}',
        rawPath: '/api/items/a%20b',
        rawQueryString: 'tag=x&tag=y&empty&q=1+2',
        cookies: ['a=1', 'b=2', 'c=3'],
        queryStringParameters: { tag: 'x,y', empty: '', q: '1 2' },
        pathParameters: { itemId: 'a b' },
        isBase64Encoded: false,
      });
      const headers = event.headers as Record<string, string>;
      expect(headers['x-multi']).toBe('one,two');
      expect(headers['user-agent']).toBe('tests/1.0');
      expect(headers.cookie).toBeUndefined();
      expect(headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(headers['x-forwarded-proto']).toBe('http');
      expect(headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
      expect(event).not.toHaveProperty('body');
    });

    it('with a request context like AWS', async () => {
      const event = json(await send(`${api.url}/api/items/42`, { headers: { 'User-Agent': 'tests/1.0' } }));
      const context = event.requestContext as Record<string, unknown>;
      const host = new URL(api.url).host;

      expect(context).toMatchObject({
        accountId: '000000000000',
        domainName: host,
        domainPrefix: host.split('.')[0],
        http: {
          method: 'GET',
          path: '/api/items/42',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'tests/1.0',
        },
        routeKey: 'GET /api/items/{itemId}',
        stage: '$default',
      });
      expect(context.apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(context.requestId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
      expect(context.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs((context.timeEpoch as number) - Date.now())).toBeLessThan(5_000);
    });

    it('prefers a literal path segment over a path parameter', async () => {
      const event = json(await send(`${api.url}/api/items/featured`));

      expect(event.routeKey).toBe('GET /api/items/featured');
      expect(event).not.toHaveProperty('pathParameters');
    });

    it('gives a greedy path parameter the rest of the path', async () => {
      const event = json(await send(`${api.url}/api/files/a/b%2Fc/d.png`));

      expect(event.pathParameters).toEqual({ proxy: 'a/b/c/d.png' });
    });

    it('passes text bodies as text and other bodies base64-encoded', async () => {
      const text = json(
        await send(`${api.url}/api/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/json; charset=utf-8' },
          body: '{"name":"ひろば"}',
        }),
      );
      const form = json(
        await send(`${api.url}/api/items`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: 'a=1',
        }),
      );
      const bytes = json(await send(`${api.url}/api/items`, { method: 'POST', body: Buffer.from([0, 255]) }));

      expect(text).toMatchObject({ body: '{"name":"ひろば"}', isBase64Encoded: false });
      expect(form).toMatchObject({ body: Buffer.from('a=1').toString('base64'), isBase64Encoded: true });
      expect(bytes).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
    });
  });

  describe('interprets format 2.0 results', () => {
    it('with status, headers and one set-cookie header per cookie', async () => {
      const reply = await send(`${api.url}/api/answers?case=structured`);

      expect(reply.status).toBe(201);
      expect(reply.headers['content-type']).toBe('text/plain');
      expect(reply.headers['x-count']).toBe('3');
      expect(reply.headers['set-cookie']).toEqual([
        'legacy=1',
        'session=abc; Path=/; HttpOnly',
        'theme=dark',
      ]);
      expect(reply.body.toString()).toBe('created');
    });

    it('decoding a base64-encoded body', async () => {
      const reply = await send(`${api.url}/api/answers?case=binary`);

      expect([...reply.body]).toEqual([0, 1, 2, 255]);
    });

    it('as 200 JSON when the result has no statusCode', async () => {
      const object = await send(`${api.url}/api/answers?case=object`);
      const text = await send(`${api.url}/api/answers?case=string`);

      expect(object.status).toBe(200);
      expect(object.headers['content-type']).toBe('application/json');
      expect(object.body.toString()).toBe('{"hello":"world"}');
      expect(text.body.toString()).toBe('"just text"');
    });

    it('with an empty body when the result has none', async () => {
      const reply = await send(`${api.url}/api/answers?case=no-body`);

      expect(reply.status).toBe(204);
      expect(reply.body.length).toBe(0);
    });
  });

  describe('with a $default route', () => {
    let withDefault: RunningHttpApi;
    beforeAll(async () => {
      withDefault = await startHttpApi({ routes, defaultRoute: { function: echo }, runtime });
    });
    afterAll(async () => withDefault.stop());

    it('sends it every request no route matches, as route $default without path parameters', async () => {
      const event = json(await send(`${withDefault.url}/api/nowhere/at/all?x=1`));

      expect(event).toMatchObject({
        routeKey: '$default',
        rawPath: '/api/nowhere/at/all',
        rawQueryString: 'x=1',
        requestContext: { routeKey: '$default', http: { method: 'GET', path: '/api/nowhere/at/all' } },
      });
      expect(event).not.toHaveProperty('pathParameters');
    });

    it('sends it a known path asked with a method that has no route there', async () => {
      for (const method of ['PATCH', 'HEAD', 'OPTIONS']) {
        const reply = await send(`${withDefault.url}/api/items`, { method });

        expect(reply.status, method).toBe(200);
        if (method !== 'HEAD') expect(json(reply).routeKey, method).toBe('$default');
      }
    });

    it('still prefers every matching route, the most specific first', async () => {
      const literal = json(await send(`${withDefault.url}/api/items/featured`));
      const parameter = json(await send(`${withDefault.url}/api/items/42`));
      const greedy = json(await send(`${withDefault.url}/api/files/a/b`));

      expect(literal.routeKey).toBe('GET /api/items/featured');
      expect(parameter.routeKey).toBe('GET /api/items/{itemId}');
      expect(greedy.routeKey).toBe('GET /api/files/{proxy+}');
    });
  });

  describe("answers with API Gateway's own responses", () => {
    it('404 when no route matches and there is no $default route, with a request id header', async () => {
      const reply = await send(`${api.url}/api/nowhere`);
      const wrongMethod = await send(`${api.url}/api/answers`, { method: 'DELETE' });

      expect(reply.status).toBe(404);
      expect(reply.headers['content-type']).toBe('application/json');
      expect(reply.headers['apigw-requestid']).toMatch(/^[A-Za-z0-9_-]{15}=$/);
      expect(reply.body.toString()).toBe('{"message":"Not Found"}');
      expect(wrongMethod.status).toBe(404);
    });

    it('500 when the function fails or returns a malformed response', async () => {
      const thrown = await send(`${api.url}/api/answers?case=throw`);
      const malformed = await send(`${api.url}/api/answers?case=malformed`);

      for (const reply of [thrown, malformed]) {
        expect(reply.status).toBe(500);
        expect(reply.body.toString()).toBe('{"message":"Internal Server Error"}');
      }
    });

    it('413 for a body over 10 MB', async () => {
      const reply = await send(`${api.url}/api/items`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.alloc(10 * 1024 * 1024 + 1),
      });

      expect(reply.status).toBe(413);
      expect(reply.body.toString()).toBe('{"message":"Request Entity Too Large"}');
    });

    it('503 when the integration times out', async () => {
      const impatient = await startHttpApi({ routes, runtime, integrationTimeoutMs: 300 });
      try {
        const reply = await send(`${impatient.url}/api/answers?case=sleep`);

        expect(reply.status).toBe(503);
        expect(reply.body.toString()).toBe('{"message":"Service Unavailable"}');
        expect(reply.headers['apigw-requestid']).toBeDefined();
      } finally {
        await impatient.stop();
      }
    });

    it('429 beyond the stage throttling burst', async () => {
      const throttled = await startHttpApi({ routes, runtime, throttle: { rateLimit: 1, burstLimit: 2 } });
      try {
        const replies = await Promise.all([1, 2, 3].map(() => send(`${throttled.url}/api/nowhere`)));

        expect(replies.map((reply) => reply.status).sort()).toEqual([404, 404, 429]);
        const limited = replies.find((reply) => reply.status === 429);
        expect(limited?.body.toString()).toBe('{"message":"Too Many Requests"}');
      } finally {
        await throttled.stop();
      }
    });
  });
});
