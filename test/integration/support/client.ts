import WebSocket from 'ws';
import { eventually } from './local-aws.ts';

/** A JSON answer: status, headers and parsed body. */
export interface Answer<Body = any> {
  status: number;
  headers: Headers;
  body: Body;
}

export interface Credentials {
  token?: string;
  apiKey?: string;
}

/** Calls the HTTP API through the edge, as a browser or a bot would. */
export function httpClient(baseUrl: string, credentials: Credentials = {}) {
  async function call<Body = any>(method: string, path: string, body?: unknown): Promise<Answer<Body>> {
    const headers: Record<string, string> = {};
    if (credentials.token) headers.authorization = `Bearer ${credentials.token}`;
    if (credentials.apiKey) headers['x-api-key'] = credentials.apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }
  return {
    get: <Body = any>(path: string) => call<Body>('GET', path),
    post: <Body = any>(path: string, body?: unknown) => call<Body>('POST', path, body ?? {}),
    put: <Body = any>(path: string, body?: unknown) => call<Body>('PUT', path, body),
    delete: <Body = any>(path: string) => call<Body>('DELETE', path),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

export interface Frame {
  type: string;
  data?: any;
}

/** A WebSocket client through the edge that keeps every frame it receives. */
export async function socketClient(baseUrl: string, token: string) {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_, response) =>
      reject(new Error(`handshake answered ${response.statusCode}`)),
    );
  });
  const client = {
    socket,
    frames,
    send(frame: Frame | string) {
      socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    },
    /** The first received frame that matches (removed from `frames`), waiting up to `timeoutMs`. */
    async next(match: (frame: Frame) => boolean = () => true, timeoutMs = 15_000): Promise<Frame> {
      await eventually(async () => frames.some(match), timeoutMs, 'a matching frame');
      const index = frames.findIndex(match);
      return frames.splice(index, 1)[0] as Frame;
    },
    async subscribe(channelId: string) {
      client.send({ type: 'channel:subscribe', data: { channelId } });
      return client.next(
        (f) =>
          (f.type === 'channel:subscribed' || f.type === 'error') &&
          (f.data?.channelId === channelId || f.type === 'error'),
      );
    },
    close() {
      socket.close();
    },
  };
  return client;
}

export type SocketClient = Awaited<ReturnType<typeof socketClient>>;

/** Whether a handshake is refused, and with which HTTP status. */
export async function handshakeStatus(baseUrl: string, query: string): Promise<number> {
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/ws${query}`);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_, response) => resolve(response.statusCode ?? 0));
    socket.once('error', reject);
  });
}
