import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PayloadTooLargeException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { FunctionSpec, WebSocketRoute } from '../../../lib/api-routes.ts';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda-runtime.ts';
import { type RunningWebSocketApi, startWebSocketApi } from '../../../local/websocket-api.ts';
import { EventRecorder } from './support/event-recorder.ts';
import { rejectWhenRefused } from './support/handshake.ts';

const record: FunctionSpec = { id: 'Record', entry: 'ws-record', access: [] };
const reply: FunctionSpec = { id: 'Reply', entry: 'ws-reply', access: ['manageConnections'] };
const fullRoutes: WebSocketRoute[] = [
  { routeKey: '$connect', function: record },
  { routeKey: '$disconnect', function: record },
  { routeKey: 'ping', function: record },
  { routeKey: 'explode', function: record },
  { routeKey: '$default', function: reply },
];
const credentials = { accessKeyId: 'local', secretAccessKey: 'local-secret' };

interface RecordedEvent {
  requestContext: Record<string, unknown> & { routeKey: string; connectionId: string };
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  body?: string;
  isBase64Encoded: boolean;
}

interface Client {
  ws: WebSocket;
  frames: string[];
  nextFrame(): Promise<string>;
  closed: Promise<{ code: number; reason: string }>;
}

function connect(url: string, options: { protocols?: string[]; headers?: Record<string, string> } = {}) {
  return new Promise<Client>((resolve, reject) => {
    const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers });
    const frames: string[] = [];
    const waiters: Array<(frame: string) => void> = [];
    ws.on('message', (data) => {
      const frame = data.toString();
      const waiter = waiters.shift();
      if (waiter) waiter(frame);
      else frames.push(frame);
    });
    const closed = new Promise<{ code: number; reason: string }>((resolveClose) =>
      ws.on('close', (code, reason) => resolveClose({ code, reason: reason.toString() })),
    );
    ws.on('open', () =>
      resolve({
        ws,
        frames,
        closed,
        nextFrame: () => {
          const queued = frames.shift();
          return queued !== undefined ? Promise.resolve(queued) : new Promise((next) => waiters.push(next));
        },
      }),
    );
    rejectWhenRefused(ws, reject);
  });
}

describe('local WebSocket API', () => {
  const recorder = new EventRecorder<RecordedEvent>();
  let managementUrl = '';
  let runtime: LambdaRuntime;
  let api: RunningWebSocketApi;
  let management: ApiGatewayManagementApiClient;
  let tag = 0;

  /** Connects with a unique tag and returns the client with its `$connect` event. */
  async function connectTagged(query = '', options?: Parameters<typeof connect>[1], target = api) {
    tag += 1;
    const client = await connect(`${target.url}?tag=${tag}${query}`, options);
    const mine = String(tag);
    const event = await recorder.waitFor(
      (e) => e.requestContext.routeKey === '$connect' && e.queryStringParameters?.tag === mine,
    );
    return { client, connectEvent: event, connectionId: event.requestContext.connectionId };
  }

  const disconnectOf = (connectionId: string) =>
    recorder.waitFor(
      (e) => e.requestContext.routeKey === '$disconnect' && e.requestContext.connectionId === connectionId,
    );

  beforeAll(async () => {
    const recorderUrl = await recorder.start();
    runtime = createLambdaRuntime({
      handlersDir: new URL('./fixtures/', import.meta.url),
      environment: () => ({
        RECORDER_URL: recorderUrl,
        CONNECTIONS_ENDPOINT: managementUrl,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      }),
    });
    api = await startWebSocketApi({
      routes: fullRoutes,
      runtime,
      stageName: 'ws',
      routeSelectionExpression: '$request.body.type',
    });
    managementUrl = api.managementUrl;
    management = new ApiGatewayManagementApiClient({
      endpoint: managementUrl,
      region: 'us-east-1',
      credentials,
    });
  });

  afterAll(async () => {
    management.destroy();
    await api.stop();
    await runtime.stop();
    recorder.server.close();
  });

  describe('$connect', () => {
    it("is invoked during the handshake with AWS's CONNECT event", async () => {
      const { client, connectEvent } = await connectTagged('&token=a&token=b', {
        headers: { 'User-Agent': 'tests/1.0' },
      });

      const context = connectEvent.requestContext;
      expect(context).toMatchObject({
        routeKey: '$connect',
        eventType: 'CONNECT',
        messageDirection: 'IN',
        stage: 'ws',
        domainName: new URL(api.url).host,
        identity: { sourceIp: '127.0.0.1', userAgent: 'tests/1.0' },
      });
      expect(context.connectionId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
      expect(context.requestId).toBe(context.extendedRequestId);
      expect(context.apiId).toMatch(/^[a-z0-9]{10}$/);
      expect(context.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
      expect(Math.abs((context.connectedAt as number) - Date.now())).toBeLessThan(10_000);
      expect(connectEvent.queryStringParameters).toEqual({ tag: String(tag), token: 'b' });
      expect(connectEvent.multiValueQueryStringParameters).toEqual({ tag: [String(tag)], token: ['a', 'b'] });
      expect(connectEvent.headers).toMatchObject({
        'Sec-WebSocket-Version': '13',
        'User-Agent': 'tests/1.0',
      });
      expect(connectEvent.headers?.['Sec-WebSocket-Key']).toBeDefined();
      expect(connectEvent.headers?.['X-Forwarded-For']).toBe('127.0.0.1');
      expect(connectEvent.headers).not.toHaveProperty('Upgrade');
      expect(connectEvent.multiValueHeaders?.['Sec-WebSocket-Version']).toEqual(['13']);
      expect(connectEvent.isBase64Encoded).toBe(false);
      client.ws.close();
    });

    it('refuses the handshake with the status $connect returns', async () => {
      const refused = connect(`${api.url}?refuse=401`);

      await expect(refused).rejects.toMatchObject({ status: 401, body: 'go away' });
    });

    it('refuses the handshake with 502 when $connect fails', async () => {
      await expect(connect(`${api.url}?fail=1`)).rejects.toMatchObject({ status: 502 });
    });

    it('agrees on the subprotocol $connect chooses', async () => {
      const { client } = await connectTagged('&protocol=chat.v1', { protocols: ['chat.v1', 'chat.v0'] });

      expect(client.ws.protocol).toBe('chat.v1');
      client.ws.close();
    });

    it('accepts every handshake when there is no $connect route', async () => {
      const bare = await startWebSocketApi({
        routes: [{ routeKey: 'ping', function: record }],
        runtime,
        stageName: 'ws',
        routeSelectionExpression: '$request.body.type',
      });
      try {
        const client = await connect(bare.url);

        expect(client.ws.readyState).toBe(WebSocket.OPEN);
        client.ws.close();
      } finally {
        await bare.stop();
      }
    });
  });

  describe('messages', () => {
    it("go to the route their type names, with AWS's MESSAGE event, and return values are not sent", async () => {
      const { client, connectionId } = await connectTagged();

      client.ws.send(JSON.stringify({ type: 'ping', n: 1 }));
      const event = await recorder.waitFor(
        (e) => e.requestContext.routeKey === 'ping' && e.requestContext.connectionId === connectionId,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(event.body).toBe('{"type":"ping","n":1}');
      expect(event.isBase64Encoded).toBe(false);
      expect(event.requestContext).toMatchObject({
        eventType: 'MESSAGE',
        messageDirection: 'IN',
        stage: 'ws',
      });
      expect(event.requestContext.messageId).toMatch(/^[A-Za-z0-9_-]{15}=$/);
      expect(client.frames).toEqual([]);
      client.ws.close();
    });

    it('go to $default when they are not JSON or name no route', async () => {
      const { client } = await connectTagged();

      client.ws.send('not json');
      const first = JSON.parse(await client.nextFrame());
      client.ws.send(JSON.stringify({ type: 'unknown' }));
      const second = JSON.parse(await client.nextFrame());

      expect(first.echo.requestContext.routeKey).toBe('$default');
      expect(first.echo.body).toBe('not json');
      expect(second.echo.requestContext.routeKey).toBe('$default');
      client.ws.close();
    });

    it("answer with AWS's error frame when the integration fails", async () => {
      const { client, connectionId } = await connectTagged();

      client.ws.send(JSON.stringify({ type: 'explode' }));
      const frame = await client.nextFrame();

      expect(frame).toMatch(
        new RegExp(
          `^\\{"message": "Internal server error", "connectionId":"${connectionId}", "requestId":"[A-Za-z0-9_-]{15}="\\}$`,
        ),
      );
      client.ws.close();
    });

    it('answer Forbidden when neither a route nor $default matches', async () => {
      const bare = await startWebSocketApi({
        routes: [{ routeKey: 'ping', function: record }],
        runtime,
        stageName: 'ws',
        routeSelectionExpression: '$request.body.type',
      });
      try {
        const client = await connect(bare.url);

        client.ws.send('hello');
        const frame = await client.nextFrame();

        expect(frame).toMatch(
          /^\{"message": "Forbidden", "connectionId":"[A-Za-z0-9_-]{15}=", "requestId":"[A-Za-z0-9_-]{15}="\}$/,
        );
        client.ws.close();
      } finally {
        await bare.stop();
      }
    });
  });

  describe('stage throttling', () => {
    it('answers a message beyond the burst with Too Many Requests, invokes nothing and stays open', async () => {
      const throttled = await startWebSocketApi({
        routes: [{ routeKey: 'ping', function: record }],
        runtime,
        stageName: 'ws',
        routeSelectionExpression: '$request.body.type',
        throttle: { rateLimit: 1, burstLimit: 3 },
      });
      try {
        const client = await connect(throttled.url);
        const marks = ['a', 'b', 'c'].map((mark) => `{"type":"ping","mark":"throttle-${mark}"}`);

        for (const mark of marks) client.ws.send(mark);
        const frame = await client.nextFrame();

        expect(frame).toMatch(
          /^\{"message": "Too Many Requests", "connectionId":"[A-Za-z0-9_-]{15}=", "requestId":"[A-Za-z0-9_-]{15}="\}$/,
        );
        await recorder.waitFor((e) => e.body === marks[1]);
        expect(recorder.events.some((e) => e.body === marks[2])).toBe(false);
        expect(client.ws.readyState).toBe(WebSocket.OPEN);
        client.ws.close();
      } finally {
        await throttled.stop();
      }
    });

    it('refuses a handshake beyond the burst with 429 before anything is invoked', async () => {
      const throttled = await startWebSocketApi({
        routes: [{ routeKey: 'ping', function: record }],
        runtime,
        stageName: 'ws',
        routeSelectionExpression: '$request.body.type',
        throttle: { rateLimit: 1, burstLimit: 1 },
      });
      try {
        const first = await connect(throttled.url);

        await expect(connect(throttled.url)).rejects.toMatchObject({
          status: 429,
          body: '{"message":"Too Many Requests"}',
        });
        first.ws.close();
      } finally {
        await throttled.stop();
      }
    });
  });

  describe('limits', () => {
    it('close the connection with 1009 for a frame over 32 KB', async () => {
      const { client, connectionId } = await connectTagged();

      client.ws.send('x'.repeat(33 * 1024));

      await expect(client.closed).resolves.toMatchObject({ code: 1009 });
      const disconnect = await disconnectOf(connectionId);
      expect(disconnect.requestContext).toMatchObject({
        disconnectStatusCode: 1009,
        eventType: 'DISCONNECT',
      });
    });

    it('accept a 100 KB message sent in frames of at most 32 KB', async () => {
      const { client } = await connectTagged();
      const part = 'y'.repeat(25 * 1024);

      for (let i = 0; i < 4; i++) client.ws.send(part, { fin: i === 3 });
      const echoed = JSON.parse(await client.nextFrame());

      expect(echoed.echo.body).toHaveLength(100 * 1024);
      client.ws.close();
    });

    it('close the connection with 1009 for a message over 128 KB', async () => {
      const { client } = await connectTagged();
      const part = 'z'.repeat(32 * 1024);

      for (let i = 0; i < 5; i++) client.ws.send(part, { fin: i === 4 });

      await expect(client.closed).resolves.toMatchObject({ code: 1009 });
    });

    it('close the connection with 1003 for a binary frame', async () => {
      const { client } = await connectTagged();

      client.ws.send(Buffer.from([1, 2, 3]));

      await expect(client.closed).resolves.toMatchObject({ code: 1003 });
    });

    it('close an idle connection, and one open too long, with 1001', async () => {
      const short = await startWebSocketApi({
        routes: fullRoutes,
        runtime,
        stageName: 'ws',
        routeSelectionExpression: '$request.body.type',
        idleTimeoutMs: 400,
        maxConnectionMs: 1_500,
      });
      try {
        const idle = await connectTagged('', undefined, short);
        const busy = await connectTagged('', undefined, short);
        const keepAlive = setInterval(() => busy.client.ws.send(JSON.stringify({ type: 'ping' })), 150);

        const idleClosed = await idle.client.closed;
        const busyClosed = await busy.client.closed;
        clearInterval(keepAlive);

        expect(idleClosed.code).toBe(1001);
        expect(busyClosed.code).toBe(1001);
        const disconnect = await disconnectOf(idle.connectionId);
        expect(disconnect.requestContext).toMatchObject({
          disconnectStatusCode: 1001,
          disconnectReason: 'Going away',
        });
      } finally {
        await short.stop();
      }
    });
  });

  describe('$disconnect', () => {
    it("is invoked once with the client's close code", async () => {
      const { client, connectionId } = await connectTagged();

      client.ws.close(4000, 'bye');
      await client.closed;
      const disconnect = await disconnectOf(connectionId);
      await new Promise((resolve) => setTimeout(resolve, 200));

      expect(disconnect.requestContext).toMatchObject({
        routeKey: '$disconnect',
        eventType: 'DISCONNECT',
        disconnectStatusCode: 4000,
        disconnectReason: 'bye',
      });
      expect(disconnect.headers).toEqual({
        Host: new URL(api.url).host,
        'x-api-key': '',
        'X-Forwarded-For': '',
        'x-restapi': '',
      });
      const all = recorder.events.filter(
        (e) => e.requestContext.routeKey === '$disconnect' && e.requestContext.connectionId === connectionId,
      );
      expect(all).toHaveLength(1);
    });

    it('reports a close frame without a status as 1005', async () => {
      const { client, connectionId } = await connectTagged();

      client.ws.close();
      const disconnect = await disconnectOf(connectionId);

      expect(disconnect.requestContext).toMatchObject({
        disconnectStatusCode: 1005,
        disconnectReason: 'Client-side close frame status not set',
      });
    });
  });

  describe('@connections', () => {
    it('posts data to the client as one text frame', async () => {
      const { client, connectionId } = await connectTagged();

      await management.send(
        new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'hello ひろば' }),
      );

      await expect(client.nextFrame()).resolves.toBe('hello ひろば');
      client.ws.close();
    });

    it('describes a connection', async () => {
      const { client, connectionId } = await connectTagged('', { headers: { 'User-Agent': 'tests/1.0' } });

      const connection = await management.send(new GetConnectionCommand({ ConnectionId: connectionId }));

      expect(connection.ConnectedAt).toBeInstanceOf(Date);
      expect(Math.abs((connection.ConnectedAt as Date).getTime() - Date.now())).toBeLessThan(10_000);
      expect(connection.LastActiveAt).toBeInstanceOf(Date);
      expect(connection.Identity).toEqual({ SourceIp: '127.0.0.1', UserAgent: 'tests/1.0' });
      client.ws.close();
    });

    it('closes a deleted connection, which then is gone', async () => {
      const { client, connectionId } = await connectTagged();

      await management.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));

      await expect(client.closed).resolves.toMatchObject({ code: 1000 });
      const disconnect = await disconnectOf(connectionId);
      expect(disconnect.requestContext).toMatchObject({
        disconnectStatusCode: 1000,
        disconnectReason: 'Connection Closed Normally',
      });
      await expect(
        management.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'late' })),
      ).rejects.toBeInstanceOf(GoneException);
    });

    it('answers GoneException for an id that never connected', async () => {
      await expect(
        management.send(new GetConnectionCommand({ ConnectionId: 'AAAAAAAAAAAAAAA=' })),
      ).rejects.toBeInstanceOf(GoneException);
    });

    it('refuses a post over 128 KB', async () => {
      const { client, connectionId } = await connectTagged();

      await expect(
        management.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: 'x'.repeat(129 * 1024) }),
        ),
      ).rejects.toBeInstanceOf(PayloadTooLargeException);
      client.ws.close();
    });

    it('requires a signed request', async () => {
      const response = await fetch(`${api.managementUrl}/@connections/AAAAAAAAAAAAAAA=`, { method: 'POST' });

      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    });
  });
});
