/**
 * `npm run smoke -- <URL>`: checks a deployment of hiroba from outside, as an operator would after
 * `cdk deploy` (or against `npm start`). One line per check; the first failure stops it with exit code 1.
 *
 * Environment:
 * - `HIROBA_SMOKE_API_KEY` (required): a bot's API key (`POST /api/api-keys`); the bot posts a message
 *   and uploads an image.
 * - `HIROBA_SMOKE_TOKEN`: a person's access token (an operator's test user); it opens the WebSocket and
 *   creates the `smoke` channel if missing. Without it, a token is asked of `POST /local/token` (local
 *   AWS only).
 * - `HIROBA_SMOKE_CHANNEL`: the public channel to post in (default `smoke`). Its messages stay.
 */
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';

class CheckFailed extends Error {}

/** A 1×1 PNG. */
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const securityHeaders = [
  'strict-transport-security',
  'content-security-policy',
  'x-content-type-options',
  'x-frame-options',
  'referrer-policy',
];

/**
 * Every request gives up after this long: a deployment that does not answer fails its check rather
 * than hanging. Long enough for Aurora to resume from 0 ACU (the functions wait up to 22 s for it).
 */
const requestTimeoutMs = 30_000;

function get(url: string | URL, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
}

function fail(message: string): never {
  throw new CheckFailed(message);
}

function expectStatus(response: Response, expected: number, what: string) {
  if (response.status !== expected) fail(`${what} answered ${response.status}, expected ${expected}`);
}

async function json(response: Response, what: string): Promise<any> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    fail(`${what} is not JSON: ${text.slice(0, 120)}`);
  }
}

function missingHeaders(response: Response): string[] {
  return securityHeaders.filter((name) => !response.headers.get(name));
}

async function check<T>(name: string, run: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const ms = () => `${Math.round(performance.now() - started)} ms`;
  try {
    const result = await run();
    console.log(`ok    ${name} (${ms()})`);
    return result;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    console.log(`FAIL  ${name} (${ms()}): ${reason}`);
    throw new CheckFailed(reason);
  }
}

interface Socket {
  socket: WebSocket;
  next(match: (frame: any) => boolean, timeoutMs: number, what: string): Promise<any>;
}

async function openSocket(base: string, token: string): Promise<Socket> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const frames: any[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (data) => {
    try {
      frames.push(JSON.parse(String(data)));
    } catch {
      // Not ours to judge here: only the frames waited for matter.
    }
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no handshake answer within 10 s')), 10_000);
    socket.once('open', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.once('unexpected-response', (_, response) => {
      clearTimeout(timer);
      reject(new Error(`handshake answered ${response.statusCode}`));
    });
  });
  return {
    socket,
    next(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const look = () => {
          const index = frames.findIndex(match);
          if (index < 0) return;
          waiters.delete(look);
          clearTimeout(timer);
          resolve(frames.splice(index, 1)[0]);
        };
        const timer = setTimeout(() => {
          waiters.delete(look);
          reject(new Error(`no ${what} within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        waiters.add(look);
        look();
      });
    },
  };
}

export async function smoke(baseUrl: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const base = baseUrl.replace(/\/+$/, '');
  const apiKey = env.HIROBA_SMOKE_API_KEY;
  const channelName = env.HIROBA_SMOKE_CHANNEL || 'smoke';
  let socket: Socket | undefined;
  const api = (
    path: string,
    init: { method?: string; token?: string; apiKey?: string; body?: unknown } = {},
  ) => {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.apiKey) headers['x-api-key'] = init.apiKey;
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);
    return get(`${base}${path}`, { method: init.method ?? 'GET', headers, body });
  };

  try {
    const responses: Record<string, Response> = {};

    await check('/ serves the app', async () => {
      const response = await get(`${base}/`);
      expectStatus(response, 200, 'GET /');
      const type = response.headers.get('content-type') ?? '';
      if (!type.startsWith('text/html')) fail(`GET / is ${type || 'untyped'}, not text/html`);
      if (!/<html|<!doctype html/i.test(await response.text())) fail('GET / is not an HTML page');
      responses['/'] = response;
    });

    await check('/config.json', async () => {
      const response = await get(`${base}/config.json`);
      expectStatus(response, 200, 'GET /config.json');
      const config = await json(response, '/config.json');
      if (typeof config !== 'object' || config === null) fail('/config.json is not an object');
    });

    await check('/api/health is ok', async () => {
      const response = await get(`${base}/api/health`);
      const body = await json(response, '/api/health');
      if (response.status !== 200 || body.status !== 'ok') {
        fail(`answered ${response.status} ${JSON.stringify(body)}`);
      }
      responses['/api/health'] = response;
    });

    if (!apiKey) {
      await check('bot API key', async () => fail('set HIROBA_SMOKE_API_KEY to a bot API key'));
      return;
    }

    const token = await check('person token', async () => {
      if (env.HIROBA_SMOKE_TOKEN) return env.HIROBA_SMOKE_TOKEN;
      const response = await api('/local/token', { method: 'POST', body: { username: 'smoke' } });
      if (response.status === 404 || response.status === 403) {
        fail('set HIROBA_SMOKE_TOKEN to an access token (POST /local/token exists on local AWS only)');
      }
      expectStatus(response, 200, 'POST /local/token');
      const body = await json(response, '/local/token');
      if (typeof body.accessToken !== 'string') fail('POST /local/token gave no accessToken');
      return body.accessToken as string;
    });

    const bot = await check('bot API key is valid', async () => {
      const response = await api('/api/me', { apiKey });
      expectStatus(response, 200, 'GET /api/me with the API key');
      const me = await json(response, '/api/me');
      if (me.kind !== 'bot') fail(`the API key belongs to a ${me.kind}, not a bot`);
      return me as { userId: string; userName: string };
    });

    const channelId = await check(`public channel "${channelName}"`, async () => {
      const list = await api('/api/channels', { token });
      expectStatus(list, 200, 'GET /api/channels');
      const channels = (await json(list, '/api/channels')) as {
        id: string;
        name: string;
        visibility: string;
      }[];
      const found = channels.find((channel) => channel.name === channelName);
      if (found) {
        if (found.visibility !== 'public') fail(`"${channelName}" is ${found.visibility}, not public`);
        return found.id;
      }
      const created = await api('/api/channels', {
        method: 'POST',
        token,
        body: { name: channelName, description: 'Smoke tests post here.', visibility: 'public' },
      });
      expectStatus(created, 201, 'POST /api/channels');
      return (await json(created, 'POST /api/channels')).id as string;
    });

    await check('public channel reads anonymously', async () => {
      const response = await api(`/api/channels/${channelId}/messages?limit=1`);
      expectStatus(response, 200, 'GET /api/channels/{id}/messages without credentials');
      const page = await json(response, 'the history page');
      if (!Array.isArray(page.messages)) fail('the history page has no messages array');
    });

    socket = await check('WebSocket connects and subscribes', async () => {
      const opened = await openSocket(base, token);
      opened.socket.send(JSON.stringify({ type: 'channel:subscribe', data: { channelId } }));
      const answer = await opened.next(
        (frame) => frame.type === 'channel:subscribed' || frame.type === 'error',
        10_000,
        'channel:subscribed',
      );
      if (answer.type !== 'channel:subscribed') {
        opened.socket.close();
        fail(`subscribing answered ${JSON.stringify(answer)}`);
      }
      return opened;
    });
    const live = socket;

    await check('bot message reaches the WebSocket', async () => {
      const clientMessageId = `smoke-${randomUUID()}`;
      const response = await api(`/api/channels/${channelId}/messages`, {
        method: 'POST',
        apiKey,
        body: { content: `smoke test ${new Date().toISOString()}`, clientMessageId },
      });
      expectStatus(response, 201, 'POST /api/channels/{id}/messages');
      const message = await json(response, 'the posted message');
      const frame = await live.next(
        (f) => f.type === 'message:new' && f.data?.message?.id === message.id,
        15_000,
        'message:new for the bot message',
      );
      if (frame.data.message.userId !== bot.userId) fail('message:new names another sender');
    });

    await check('image upload round-trips through /images/', async () => {
      const created = await api('/api/uploads', {
        method: 'POST',
        apiKey,
        body: { contentType: 'image/png', size: png.length },
      });
      expectStatus(created, 201, 'POST /api/uploads');
      const upload = (await json(created, 'POST /api/uploads')) as {
        uploadId: string;
        url: string;
        upload: { url: string; fields: Record<string, string> };
      };
      const form = new FormData();
      for (const [name, value] of Object.entries(upload.upload.fields)) form.append(name, value);
      form.append('file', new Blob([new Uint8Array(png)], { type: 'image/png' }), 'smoke.png');
      const sent = await get(upload.upload.url, { method: 'POST', body: form });
      if (sent.status !== 204 && sent.status !== 201 && sent.status !== 200) {
        fail(`the upload to the bucket answered ${sent.status}: ${(await sent.text()).slice(0, 200)}`);
      }
      const posted = await api(`/api/channels/${channelId}/messages`, {
        method: 'POST',
        apiKey,
        body: { content: '', attachments: [{ uploadId: upload.uploadId, alt: 'smoke test pixel' }] },
      });
      expectStatus(posted, 201, 'posting the attachment');
      const message = await json(posted, 'the message with the attachment');
      const url = message.attachments?.[0]?.url as string | undefined;
      if (!url) fail('the message carries no attachment');
      const image = await get(new URL(url, `${base}/`));
      expectStatus(image, 200, `GET ${url}`);
      const bytes = Buffer.from(await image.arrayBuffer());
      if (!bytes.equals(png)) fail(`GET ${url} answered other bytes than were uploaded`);
      responses[url] = image;
    });

    await check('security headers on /, /api/health and /images/', async () => {
      const missing = Object.entries(responses)
        .map(([path, response]) => [path, missingHeaders(response)] as const)
        .filter(([, names]) => names.length > 0)
        .map(([path, names]) => `${path} lacks ${names.join(', ')}`);
      if (missing.length > 0) fail(missing.join('; '));
    });
  } finally {
    socket?.socket.close();
  }
}

if (import.meta.main) {
  const url = process.argv[2];
  if (!url || !/^https?:\/\//.test(url)) {
    console.error(
      'usage: npm run smoke -- <URL>   (e.g. https://d1234.cloudfront.net or http://127.0.0.1:3000)',
    );
    process.exit(2);
  }
  try {
    await smoke(url);
    console.log('smoke: all checks passed');
  } catch (error) {
    if (!(error instanceof CheckFailed)) console.error(error);
    process.exit(1);
  }
}
