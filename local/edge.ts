/**
 * The local CloudFront: one origin for the browser, routing by path as the distribution's behaviours do.
 *
 * - `/api/*` → the HTTP API, viewer headers forwarded except Host (`ALL_VIEWER_EXCEPT_HOST_HEADER`),
 *   after the behaviour's viewer-request function (`apiBodyLimitCode`, the stack's very code, run in a
 *   `node:vm` context) has had its say: a `Content-Length` over the limit gets its `413` unread.
 * - `/ws` → the WebSocket API: the upgrade is proxied with its query string and `Sec-WebSocket-*`
 *   headers only (other viewer headers are dropped, the User-Agent becomes CloudFront's), then bytes
 *   flow both ways untouched, so frames and close codes pass through.
 * - `/images/*` → `images/...` in the media bucket, read with a signed request like origin access
 *   control; S3's errors (403, 404) are passed through.
 * - `/local/*` → local-only helpers (`local`), 404 when none answers.
 * - anything else → the web app; a path whose last segment has no extension gets `index.html`, as the
 *   distribution's CloudFront Function rewrites it (the SPA fallback). Each file carries the
 *   `Cache-Control` the stack's deployment stores it with (`webCacheControl`), as CloudFront passes S3's
 *   metadata on; `/config.json` is the local one (`webConfig`), as the deployment writes the stack's.
 * Every HTTP response carries the response headers policy's security headers. Nothing is cached, so
 * `/api` and `/ws` are never cached either. Only `GET`/`HEAD` reach the S3 origins, as the behaviours
 * allow; CloudFront answers other methods with 403.
 */

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Socket } from 'node:net';
import { extname, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { runInNewContext } from 'node:vm';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { apiBodyLimitCode } from '../functions/shared/api-body-limit.ts';
import { webSocketHandshakeHeaders } from '../lib/api-routes.ts';
import { type ContentSecurityPolicySources, contentSecurityPolicy } from '../lib/content-security-policy.ts';
import { type WebConfig, webCacheControl, webConfigFile } from '../lib/web-config.ts';
import { sourceIp, splitTarget } from './apigw/request.ts';
import { readBody } from './http-body.ts';
import { closeServer, listenLocal } from './listen.ts';
import { escapeXml, XML_DECLARATION } from './s3/xml.ts';

/** Options of {@link startEdge}. */
export interface EdgeOptions {
  /** @default 0 (any free port); `npm start` passes 3000 */
  readonly port?: number;
  readonly httpApiUrl: string;
  /** The WebSocket API stage URL, `ws://…/ws`. */
  readonly webSocketUrl: string;
  readonly media: {
    readonly s3Url: string;
    readonly bucket: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Directory of the built web app. */
  readonly webRoot: string;
  /**
   * The app's `config.json`, served in place of any file of that name in `webRoot` (the stack's
   * deployment writes its own over the build's too); `undefined` until it is known.
   * @default - `config.json` is served from `webRoot` like any file
   */
  readonly webConfig?: () => WebConfig | undefined;
  /**
   * Origin of the sign-in domain, for the content security policy.
   * @default - the edge's own origin, where the local issuer is mounted
   */
  readonly authOrigin?: string;
  /** Local-only helpers under `/local/*`; resolves `false` when it has no answer for the request. */
  readonly local?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}

/** A running edge. */
export interface RunningEdge {
  /** `http://127.0.0.1:<port>`, the one origin of the app. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * The response headers policy's security headers, with the stack's content security policy: uploads go
 * to `uploadOrigin` (local S3) and the sign-in exchange to `authOrigin` (the local issuer, on the edge).
 * HSTS is harmless on `http://localhost`: browsers ignore it over plain HTTP (RFC 6797 §8.1).
 */
export function securityHeaders(sources: ContentSecurityPolicySources): Record<string, string> {
  return {
    'strict-transport-security': 'max-age=63072000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'content-security-policy': contentSecurityPolicy(sources),
  };
}

// Connection-level headers a proxy must not forward (RFC 9110 §7.6.1).
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** Starts the edge in front of the local APIs, the media bucket and the web app. */
export async function startEdge(options: EdgeOptions): Promise<RunningEdge> {
  const httpApi = new URL(options.httpApiUrl);
  const webSocketApi = new URL(options.webSocketUrl);
  const webRoot = resolve(options.webRoot);
  // The edge's origin, and so the default sign-in origin, is known once it listens, before any request.
  let security: Record<string, string> = {};
  const debug = Boolean(process.env.HIROBA_DEBUG);
  // CloudFront names itself in `Via` on origin requests; one made-up edge host is enough locally.
  const via = '1.1 local0000000000000000000000000.cloudfront.net (CloudFront)';
  const s3 = new S3Client({
    endpoint: options.media.s3Url,
    region: options.media.region,
    credentials: options.media.credentials,
    forcePathStyle: true,
  });
  const tunnels = new Set<Socket>();
  const webFiles: WebFileCache = new Map();
  const apiBodyLimit = cloudFrontFunction(apiBodyLimitCode);

  const server = createServer((req, res) => {
    const started = performance.now();
    const { path } = splitTarget(req.url);
    // Paths only: query strings carry tokens and never reach the log.
    if (debug) res.on('finish', () => log(req.method, path, res.statusCode, started));
    for (const [name, value] of Object.entries(security)) res.setHeader(name, value);
    route(req, res, path).catch((error: unknown) => {
      console.error('local edge: request failed', error);
      if (!res.headersSent) cloudFrontError(res, 502, 'The origin failed to answer.');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const { path } = splitTarget(req.url);
    if (debug) log(req.method, `${path} (upgrade)`, 0, performance.now());
    if (path !== '/ws') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    tunnel(req, socket, head);
  });

  async function route(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path.startsWith('/api/')) {
      if (viewerRequestAnswered(apiBodyLimit, req, res, path)) return;
      return proxy(req, res);
    }
    if (path.startsWith('/images/')) return serveImage(req, res, path);
    if (path.startsWith('/local/')) {
      if (await options.local?.(req, res)) return;
      return sendJson(res, 404, { error: { code: 'not_found', message: `No local helper at ${path}` } });
    }
    return serveWeb(req, res, path);
  }

  /** Viewer headers as CloudFront sends them to an origin: Host replaced, proxy headers added. */
  function originHeaders(req: IncomingMessage, host: string): Record<string, string | string[]> {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && name !== 'host' && !hopByHop.has(name)) headers[name] = value;
    }
    headers.host = host;
    const forwardedFor = req.headers['x-forwarded-for'];
    headers['x-forwarded-for'] = forwardedFor ? `${forwardedFor}, ${sourceIp(req)}` : sourceIp(req);
    headers.via = req.headers.via ? `${req.headers.via}, ${via}` : via;
    return headers;
  }

  /**
   * What the `/ws` origin request policy forwards: only the handshake headers. CloudFront adds its own
   * forwarding headers, and a User-Agent of its own in place of the viewer's.
   */
  function webSocketOriginHeaders(req: IncomingMessage): Record<string, string | string[]> {
    const all = originHeaders(req, webSocketApi.host);
    const kept: Record<string, string | string[]> = { 'user-agent': 'Amazon CloudFront' };
    for (const name of [
      'host',
      'x-forwarded-for',
      'via',
      ...webSocketHandshakeHeaders.map((h) => h.toLowerCase()),
    ]) {
      const value = all[name];
      if (value !== undefined) kept[name] = value;
    }
    return kept;
  }

  function proxy(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return new Promise((done) => {
      const upstream = httpRequest(
        {
          host: httpApi.hostname,
          port: httpApi.port,
          method: req.method,
          path: req.url,
          headers: originHeaders(req, httpApi.host),
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, { ...passable(upstreamRes.headers), ...security });
          upstreamRes.pipe(res);
          upstreamRes.on('end', done);
          upstreamRes.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => {
        if (!res.headersSent) cloudFrontError(res, 502, 'CloudFront wasn’t able to connect to the origin.');
        else res.destroy();
        done();
      });
      req.pipe(upstream);
    });
  }

  function tunnel(req: IncomingMessage, socket: Socket, head: Buffer): void {
    tunnels.add(socket);
    socket.on('close', () => tunnels.delete(socket));
    socket.on('error', () => socket.destroy());
    const { rawQueryString } = splitTarget(req.url);
    const upstream = httpRequest({
      host: webSocketApi.hostname,
      port: webSocketApi.port,
      method: 'GET',
      path: `${webSocketApi.pathname}${rawQueryString ? `?${rawQueryString}` : ''}`,
      headers: { ...webSocketOriginHeaders(req), connection: 'Upgrade', upgrade: 'websocket' },
    });
    upstream.on('upgrade', (upstreamRes, upstreamSocket: Socket, upstreamHead: Buffer) => {
      socket.write(statusAndHeaders(upstreamRes));
      if (upstreamHead.length > 0) socket.write(upstreamHead);
      if (head.length > 0) upstreamSocket.write(head);
      upstreamSocket.pipe(socket);
      socket.pipe(upstreamSocket);
      // An abrupt end on one side ends the other: a dropped client is a dropped connection upstream.
      upstreamSocket.on('error', () => socket.destroy());
      upstreamSocket.on('close', () => socket.destroy());
      socket.on('close', () => upstreamSocket.destroy());
    });
    upstream.on('response', async (upstreamRes) => {
      // The handshake was refused ($connect said no): pass the answer on, re-framed with its length.
      const body = await readBody(upstreamRes);
      const framing = new Set(['content-length', 'transfer-encoding', 'connection']);
      const lines = [`HTTP/1.1 ${upstreamRes.statusCode} ${upstreamRes.statusMessage ?? ''}`];
      for (const [name, value] of headerPairs(upstreamRes)) {
        if (!framing.has(name.toLowerCase())) lines.push(`${name}: ${value}`);
      }
      lines.push(`Content-Length: ${body.length}`, 'Connection: close');
      socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
    });
    upstream.on('error', () => {
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    upstream.end();
  }

  async function serveImage(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    const key = decodePath(path)?.slice(1);
    if (!key) return cloudFrontError(res, 400, 'Bad request.');
    const input = {
      Bucket: options.media.bucket,
      Key: key,
      IfNoneMatch: req.headers['if-none-match'],
      IfModifiedSince: req.headers['if-modified-since']
        ? new Date(req.headers['if-modified-since'])
        : undefined,
    };
    try {
      const object =
        req.method === 'HEAD'
          ? await s3.send(new HeadObjectCommand(input))
          : await s3.send(new GetObjectCommand(input));
      const headers: Record<string, string | number> = {};
      if (object.ContentType) headers['content-type'] = object.ContentType;
      if (object.ContentLength !== undefined) headers['content-length'] = object.ContentLength;
      if (object.ETag) headers.etag = object.ETag;
      if (object.CacheControl) headers['cache-control'] = object.CacheControl;
      if (object.LastModified) headers['last-modified'] = object.LastModified.toUTCString();
      res.writeHead(200, headers);
      const body = 'Body' in object ? (object.Body as Readable | undefined) : undefined;
      if (body) body.pipe(res);
      else res.end();
    } catch (error) {
      const { name, message, $metadata } = error as Error & { $metadata?: { httpStatusCode?: number } };
      const status = $metadata?.httpStatusCode;
      if (status === undefined) throw error;
      if (status === 304) {
        res.writeHead(304).end();
        return;
      }
      sendS3Error(res, req, status, name, message);
    }
  }

  async function serveWeb(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res);
    const decoded = decodePath(path);
    if (decoded === undefined) return cloudFrontError(res, 400, 'Bad request.');
    const lastSegment = decoded.slice(decoded.lastIndexOf('/') + 1);
    const relative = lastSegment.includes('.') ? decoded.slice(1) : 'index.html';
    const file = resolve(webRoot, relative);
    const content =
      relative === webConfigFile && options.webConfig
        ? generatedConfig(options.webConfig())
        : file.startsWith(webRoot + sep)
          ? await readWebFile(webFiles, file)
          : undefined;
    if (!content) return sendS3Error(res, req, 404, 'NoSuchKey', 'The specified key does not exist.');
    res.setHeader('etag', content.etag);
    res.setHeader('last-modified', content.modified.toUTCString());
    res.setHeader('cache-control', webCacheControl(relative));
    if (req.headers['if-none-match'] === content.etag) {
      res.writeHead(304).end();
      return;
    }
    res.writeHead(200, {
      'content-type': contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': content.data.length,
    });
    res.end(req.method === 'HEAD' ? undefined : content.data);
  }

  let configFile: { text: string; file: WebFile } | undefined;
  /** `config.json` as an object stored when the configuration was first asked for (or last changed). */
  function generatedConfig(config: WebConfig | undefined): WebFile | undefined {
    if (!config) return undefined;
    const text = JSON.stringify(config);
    if (configFile?.text !== text) {
      const data = Buffer.from(text);
      const etag = `"${createHash('md5').update(data).digest('hex')}"`;
      // Whole seconds, as Last-Modified carries them.
      const modified = new Date(Math.floor(Date.now() / 1000) * 1000);
      configFile = { text, file: { data, etag, modified } };
    }
    return configFile.file;
  }

  const url = await listenLocal(server, options.port);
  security = securityHeaders({
    uploadOrigins: [new URL(options.media.s3Url).origin],
    authOrigin: options.authOrigin ?? url,
  });
  return {
    url,
    async stop() {
      for (const socket of tunnels) socket.destroy();
      s3.destroy();
      await closeServer(server);
    },
  };
}

/** The origin's response headers a proxy may pass on. */
function passable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !hopByHop.has(name)) result[name] = value;
  }
  return result;
}

/** A switching-protocols answer as the origin sent it, header names and order kept. */
function statusAndHeaders(res: IncomingMessage): string {
  const lines = [
    `HTTP/1.1 ${res.statusCode} ${res.statusMessage ?? STATUS_CODES[res.statusCode ?? 500] ?? ''}`,
  ];
  for (const [name, value] of headerPairs(res)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function headerPairs(res: IncomingMessage): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    pairs.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
  }
  return pairs;
}

function decodePath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** A web file as served: its content, S3's ETag for it (the MD5) and its modification time. */
interface WebFile {
  readonly data: Buffer;
  readonly etag: string;
  readonly modified: Date;
}

/** Web files by path as last read, with the size and mtime they had then. */
type WebFileCache = Map<string, WebFile & { readonly mtimeMs: number; readonly size: number }>;

/**
 * A regular file, `undefined` when there is none. Read and hashed once per version: a file whose mtime
 * or size has changed since (the web app was rebuilt) is read again.
 */
async function readWebFile(cache: WebFileCache, file: string): Promise<WebFile | undefined> {
  try {
    const info = await stat(file);
    if (!info.isFile()) return undefined;
    const cached = cache.get(file);
    if (cached?.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    const data = await readFile(file);
    const etag = `"${createHash('md5').update(data).digest('hex')}"`;
    const read = { data, etag, modified: info.mtime, mtimeMs: info.mtimeMs, size: info.size };
    cache.set(file, read);
    return read;
  } catch {
    cache.delete(file);
    return undefined;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** S3's XML error document, as CloudFront passes it through from the bucket. */
function sendS3Error(
  res: ServerResponse,
  req: IncomingMessage,
  status: number,
  code: string,
  message: string,
): void {
  const xml =
    XML_DECLARATION +
    `<Error><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(xml) });
  res.end(req.method === 'HEAD' ? undefined : xml);
}

function methodNotAllowed(res: ServerResponse): void {
  cloudFrontError(
    res,
    403,
    'This distribution is not configured to allow the HTTP request method that was used.',
  );
}

/** CloudFront's own error page, in brief. */
function cloudFrontError(res: ServerResponse, status: number, detail: string): void {
  const html =
    `<!DOCTYPE HTML><HTML><HEAD><TITLE>ERROR: The request could not be satisfied</TITLE></HEAD><BODY>` +
    `<H1>${status} ERROR</H1><H2>The request could not be satisfied.</H2><HR>${escapeXml(detail)}</BODY></HTML>`;
  res.writeHead(status, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
  res.end(html);
}

function log(method: string | undefined, path: string, status: number, started: number): void {
  const ms = Math.round(performance.now() - started);
  console.log(`edge ${method} ${path} ${status || '-'} ${ms}ms`);
}

/** What a CloudFront Function's viewer-request handler returns: the request, or a response of its own. */
interface FunctionResult {
  readonly statusCode?: number;
  readonly statusDescription?: string;
  readonly headers?: Record<string, { readonly value: string }>;
  readonly body?: string | { readonly encoding?: string; readonly data: string };
}

type CloudFrontFunctionHandler = (event: unknown) => FunctionResult;

/** A CloudFront Function's code, evaluated once in its own context, as CloudFront would run it. */
function cloudFrontFunction(code: string): CloudFrontFunctionHandler {
  return runInNewContext(
    `${code}\nhandler;`,
    {},
    { filename: 'cloudfront-function.js' },
  ) as CloudFrontFunctionHandler;
}

/**
 * Runs a viewer-request function on `req` (the event of CloudFront Functions' event structure, headers
 * lowercased, no body) and, when it answers itself, sends that answer and returns `true`. The request
 * body is never read: the connection closes after the answer, as a server that refuses a body must.
 */
function viewerRequestAnswered(
  fn: CloudFrontFunctionHandler,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  const headers: Record<string, { value: string }> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = { value: Array.isArray(value) ? value.join(',') : value };
  }
  const result = fn({
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: sourceIp(req) },
    request: { method: req.method, uri: path, querystring: {}, headers, cookies: {} },
  });
  if (result.statusCode === undefined) return false;
  const body =
    result.body === undefined ? '' : typeof result.body === 'string' ? result.body : result.body.data;
  const encoded = typeof result.body === 'object' && result.body.encoding === 'base64';
  const bytes = Buffer.from(body, encoded ? 'base64' : 'utf8');
  for (const [name, { value }] of Object.entries(result.headers ?? {})) res.setHeader(name, value);
  res.setHeader('content-length', bytes.length);
  res.setHeader('connection', 'close');
  res.writeHead(result.statusCode, result.statusDescription);
  res.end(bytes);
  return true;
}
