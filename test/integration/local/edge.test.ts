import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { maxApiBodyBytes } from '../../../functions/shared/api-body-limit.ts';
import { contentSecurityPolicy } from '../../../lib/content-security-policy.ts';
import type { WebConfig } from '../../../lib/web-config.ts';
import { type RunningEdge, startEdge } from '../../../local/edge.ts';

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => resolve(body));
  });
}

/** A raw request to the edge, so paths reach it exactly as written. */
function get(url: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: IncomingMessage['headers']; body: string }>(
    (resolve, reject) => {
      const req = httpRequest(`${url}${path}`, { method, headers }, async (res) =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: await readBody(res) }),
      );
      req.on('error', reject);
      req.end();
    },
  );
}

const imageBytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);

describe('local edge', () => {
  const apiSeen: SeenRequest[] = [];
  const s3Seen: SeenRequest[] = [];
  const wsSeen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];
  let apiServer: Server;
  let s3Server: Server;
  let wsServer: Server;
  let wss: WebSocketServer;
  let webRoot: string;
  let edge: RunningEdge;
  let webConfig: WebConfig | undefined;
  let s3Origin: string;

  beforeAll(async () => {
    apiServer = createServer(async (req, res) => {
      apiSeen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: await readBody(req),
      });
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'content-type': 'application/json', 'apigw-requestid': 'Abc123=' });
      res.end('{"created":true}');
    });
    const apiHost = await listen(apiServer);

    // Answers like S3 for one object under path-style addressing.
    s3Server = createServer(async (req, res) => {
      s3Seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: await readBody(req),
      });
      if (new URL(req.url ?? '/', 'http://s3').pathname !== '/media-bucket/images/cat%20photo.png') {
        res.writeHead(404, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>gone</Message></Error>',
        );
        return;
      }
      if (req.headers['if-none-match'] === '"abc"') {
        res.writeHead(304).end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'image/png',
        'content-length': imageBytes.length,
        etag: '"abc"',
        'cache-control': 'public, max-age=31536000, immutable',
        'last-modified': 'Wed, 01 Jan 2025 00:00:00 GMT',
      });
      res.end(req.method === 'HEAD' ? undefined : imageBytes);
    });
    const s3Host = await listen(s3Server);
    s3Origin = `http://${s3Host}`;

    wsServer = createServer();
    wss = new WebSocketServer({
      server: wsServer,
      verifyClient: (info, done) => {
        wsSeen.push({ url: info.req.url ?? '', headers: info.req.headers });
        if (info.req.url?.includes('refuse')) done(false, 401, 'Unauthorized');
        else done(true);
      },
    });
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const text = data.toString();
        if (text === 'close please') socket.close(4001, 'bye');
        else socket.send(`echo: ${text}`);
      });
    });
    const wsHost = await listen(wsServer);

    webRoot = await mkdtemp(join(tmpdir(), 'hiroba-web-'));
    await mkdir(join(webRoot, 'site', 'assets'), { recursive: true });
    await writeFile(join(webRoot, 'site', 'index.html'), '<!doctype html><title>hiroba</title>');
    await writeFile(join(webRoot, 'site', 'assets', 'app.js'), 'console.log("hiroba")');
    await writeFile(join(webRoot, 'site', 'robots.txt'), 'User-agent: *');
    await writeFile(join(webRoot, 'site', 'config.json'), '{"from":"the build"}');
    await writeFile(join(webRoot, 'secret.txt'), 'outside the web root');

    edge = await startEdge({
      httpApiUrl: `http://${apiHost}`,
      webSocketUrl: `ws://${wsHost}/ws`,
      media: {
        s3Url: `http://${s3Host}`,
        bucket: 'media-bucket',
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
      },
      webRoot: join(webRoot, 'site'),
      webConfig: () => webConfig,
      local: async (req, res) => {
        if (req.url !== '/local/token') return false;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"accessToken":"t"}');
        return true;
      },
    });
  });

  afterAll(async () => {
    await edge.stop();
    wss.close();
    for (const server of [apiServer, s3Server, wsServer]) server.closeAllConnections();
    await Promise.all(
      [apiServer, s3Server, wsServer].map((server) => new Promise((done) => server.close(done))),
    );
    await rm(webRoot, { recursive: true, force: true });
  });

  describe('/api/*', () => {
    it('forwards method, path, query, headers and body with the Host replaced', async () => {
      const response = await fetch(`${edge.url}/api/things?limit=5&after=2`, {
        method: 'POST',
        headers: { authorization: 'Bearer token', 'content-type': 'application/json' },
        body: '{"name":"x"}',
      });
      const seen = apiSeen.at(-1);

      expect(seen).toMatchObject({
        method: 'POST',
        url: '/api/things?limit=5&after=2',
        body: '{"name":"x"}',
      });
      expect(seen?.headers.host).toBe(new URL(`http://${seen?.headers.host}`).host);
      expect(seen?.headers.host).not.toBe(new URL(edge.url).host);
      expect(seen?.headers.authorization).toBe('Bearer token');
      expect(seen?.headers['x-forwarded-for']).toBe('127.0.0.1');
      expect(seen?.headers.via).toMatch(/cloudfront\.net \(CloudFront\)$/);
      expect(response.status).toBe(201);
      expect(response.headers.get('apigw-requestid')).toBe('Abc123=');
      expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      await expect(response.text()).resolves.toBe('{"created":true}');
    });

    it("refuses a body over the API's limit with the contract's 413, before the API sees it", async () => {
      const before = apiSeen.length;
      const response = await fetch(`${edge.url}/api/channels/c/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(maxApiBodyBytes + 1),
      });

      expect(response.status).toBe(413);
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await response.json()).toEqual({
        error: { code: 'too_large', message: `Request bodies are limited to ${maxApiBodyBytes} bytes.` },
      });
      expect(apiSeen.length).toBe(before);
    });

    it('passes a body just at the limit on to the API', async () => {
      const response = await fetch(`${edge.url}/api/channels/c/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(maxApiBodyBytes),
      });

      expect(response.status).toBe(201);
      expect(apiSeen.at(-1)?.body.length).toBe(maxApiBodyBytes);
    });

    it('answers 413, not 502, to a 10 MiB body', async () => {
      const response = await fetch(`${edge.url}/api/channels/c/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(10 * 1024 * 1024),
      });

      expect(response.status).toBe(413);
    });

    it('answers 502 when the API cannot be reached', async () => {
      const closed = createServer();
      const host = await listen(closed);
      await new Promise((done) => closed.close(done));
      const lonely = await startEdge({
        httpApiUrl: `http://${host}`,
        webSocketUrl: `ws://${host}/ws`,
        media: {
          s3Url: `http://${host}`,
          bucket: 'b',
          region: 'us-east-1',
          credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        },
        webRoot,
      });
      try {
        const response = await fetch(`${lonely.url}/api/health`);

        expect(response.status).toBe(502);
      } finally {
        await lonely.stop();
      }
    });
  });

  describe('/ws', () => {
    it('proxies the upgrade with its query and Sec-WebSocket headers, then frames both ways', async () => {
      const client = new WebSocket(`${edge.url.replace('http', 'ws')}/ws?token=abc`, ['chat.v1']);
      await new Promise((resolve, reject) => {
        client.on('open', resolve);
        client.on('error', reject);
      });
      const reply = new Promise<string>((resolve) =>
        client.once('message', (data) => resolve(data.toString())),
      );
      client.send('hello');

      await expect(reply).resolves.toBe('echo: hello');
      const seen = wsSeen.at(-1);
      expect(seen?.url).toBe('/ws?token=abc');
      expect(seen?.headers['sec-websocket-protocol']).toBe('chat.v1');
      expect(seen?.headers['sec-websocket-key']).toBeDefined();
      expect(client.protocol).toBe('chat.v1');

      const closed = new Promise<[number, string]>((resolve) =>
        client.on('close', (code, reason) => resolve([code, reason.toString()])),
      );
      client.send('close please');
      await expect(closed).resolves.toEqual([4001, 'bye']);
    });

    it('forwards no other viewer header, and its own User-Agent, as the /ws origin request policy does', async () => {
      const client = new WebSocket(`${edge.url.replace('http', 'ws')}/ws?token=abc`, {
        headers: {
          authorization: 'Bearer secret',
          cookie: 'a=b',
          'user-agent': 'browser/1.0',
          'x-extra': '1',
        },
      });
      await new Promise((resolve, reject) => {
        client.on('open', resolve);
        client.on('error', reject);
      });
      client.close();

      const headers = wsSeen.at(-1)?.headers ?? {};
      expect(
        Object.keys(headers)
          .filter((name) => !name.startsWith('sec-websocket-'))
          .sort(),
      ).toEqual(['connection', 'host', 'upgrade', 'user-agent', 'via', 'x-forwarded-for']);
      expect(headers['user-agent']).toBe('Amazon CloudFront');
    });

    it('passes a refused handshake on to the client', async () => {
      const client = new WebSocket(`${edge.url.replace('http', 'ws')}/ws?refuse=1`);
      client.on('error', () => {});
      const status = await new Promise<number>((resolve) =>
        client.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
      );

      expect(status).toBe(401);
      client.terminate();
    });
  });

  describe('/images/*', () => {
    it('reads the object from the media bucket with a signed path-style request', async () => {
      const response = await fetch(`${edge.url}/images/cat%20photo.png`);
      const seen = s3Seen.at(-1);

      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer())).toEqual(imageBytes);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(response.headers.get('etag')).toBe('"abc"');
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(response.headers.get('last-modified')).toBe('Wed, 01 Jan 2025 00:00:00 GMT');
      expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=/);
      expect(seen?.method).toBe('GET');
      expect(seen?.url).toMatch(/^\/media-bucket\/images\/cat%20photo\.png(\?|$)/);
      expect(seen?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=local\//);
    });

    it("keeps CloudFront's /images/* headers: the object's long-lived Cache-Control, and nosniff", async () => {
      const get200 = await fetch(`${edge.url}/images/cat%20photo.png`);
      const revalidated = await fetch(`${edge.url}/images/cat%20photo.png`, {
        headers: { 'if-none-match': '"abc"' },
      });

      expect(get200.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(get200.headers.get('x-content-type-options')).toBe('nosniff');
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers.get('x-content-type-options')).toBe('nosniff');
    });

    it('answers HEAD without a body and revalidates with If-None-Match', async () => {
      const head = await get(edge.url, '/images/cat%20photo.png', {}, 'HEAD');
      const revalidated = await get(edge.url, '/images/cat%20photo.png', { 'if-none-match': '"abc"' });

      expect(head.status).toBe(200);
      expect(head.headers['content-length']).toBe(String(imageBytes.length));
      expect(head.body).toBe('');
      expect(s3Seen.at(-2)?.method).toBe('HEAD');
      expect(revalidated.status).toBe(304);
    });

    it("passes S3's 404 through", async () => {
      const response = await get(edge.url, '/images/missing.png');

      expect(response.status).toBe(404);
      expect(response.body).toContain('<Code>NoSuchKey</Code>');
    });

    it('refuses methods other than GET and HEAD with 403', async () => {
      const response = await fetch(`${edge.url}/images/cat.png`, { method: 'PUT', body: 'x' });

      expect(response.status).toBe(403);
    });
  });

  describe('/local/*', () => {
    it("answers with the local helper's response, or 404 when it has none", async () => {
      const token = await fetch(`${edge.url}/local/token`, { method: 'POST' });
      const none = await fetch(`${edge.url}/local/nothing`);

      expect(token.status).toBe(200);
      await expect(token.json()).resolves.toEqual({ accessToken: 't' });
      expect(none.status).toBe(404);
    });
  });

  describe('the web app', () => {
    it('serves files with their content type and the security headers', async () => {
      const response = await get(edge.url, '/assets/app.js');

      expect(response.status).toBe(200);
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.body).toBe('console.log("hiroba")');
      expect(response.headers['x-frame-options']).toBe('DENY');
      expect(response.headers['referrer-policy']).toBe('strict-origin-when-cross-origin');
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });

    it('serves index.html for / and for paths without an extension', async () => {
      for (const path of ['/', '/channels/general', '/api']) {
        const response = await get(edge.url, path);

        expect(response.status).toBe(200);
        expect(response.body).toBe('<!doctype html><title>hiroba</title>');
        expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      }
    });

    it('answers 404 for a missing file and for paths outside the web root', async () => {
      for (const path of ['/assets/missing.js', '/../secret.txt', '/%2e%2e/secret.txt']) {
        const response = await get(edge.url, path);

        expect(response.status).toBe(404);
      }
    });

    it('revalidates with the ETag', async () => {
      const first = await get(edge.url, '/assets/app.js');
      const second = await get(edge.url, '/assets/app.js', { 'if-none-match': String(first.headers.etag) });

      expect(first.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(second.status).toBe(304);
    });

    it('refuses methods other than GET and HEAD with 403', async () => {
      const response = await fetch(`${edge.url}/channels`, { method: 'POST' });

      expect(response.status).toBe(403);
    });

    it("sends the stack's content security policy, with local S3 for uploads and the edge for sign-in", async () => {
      const response = await get(edge.url, '/');
      const csp = String(response.headers['content-security-policy']);

      expect(csp).toBe(contentSecurityPolicy({ uploadOrigins: [s3Origin], authOrigin: edge.url }));
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("style-src 'self';");
      expect(csp).toContain("img-src 'self' data: blob:;");
      expect(csp).toContain(`connect-src 'self' ${s3Origin} ${edge.url};`);
      expect(csp).not.toContain('unsafe-inline');
      expect(response.headers['strict-transport-security']).toBe('max-age=63072000; includeSubDomains');
    });

    it('lets caches keep hashed assets for a year, as the deployment stores them', async () => {
      const response = await get(edge.url, '/assets/app.js');

      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    });

    it('has every other file revalidated on each use, index.html and its fallback included', async () => {
      for (const path of ['/', '/index.html', '/channels/general', '/robots.txt']) {
        const response = await get(edge.url, path);

        expect(response.headers['cache-control'], path).toBe('no-cache');
      }
      const first = await get(edge.url, '/');
      const revalidated = await get(edge.url, '/', { 'if-none-match': String(first.headers.etag) });
      expect(revalidated.status).toBe(304);
      expect(revalidated.headers['cache-control']).toBe('no-cache');
    });

    it("serves the given config.json in place of the build's, revalidated on each use", async () => {
      webConfig = undefined;
      const unknown = await get(edge.url, '/config.json');
      webConfig = {
        auth: {
          issuer: 'http://issuer.example',
          clientId: 'client',
          authorizeUrl: 'http://issuer.example/auth',
          tokenUrl: 'http://issuer.example/token',
          revokeUrl: 'http://issuer.example/token/revocation',
          logoutUrl: 'http://issuer.example/logout',
        },
      };

      const response = await get(edge.url, '/config.json');

      expect(unknown.status).toBe(404);
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual(webConfig);
      expect(response.headers['content-type']).toBe('application/json');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    });
  });
});
