import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { FunctionSpec, WebSocketRoute } from '../../../lib/api-routes.ts';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda-runtime.ts';
import { type RunningWebSocketApi, startWebSocketApi } from '../../../local/websocket-api.ts';
import { EventRecorder } from './support/event-recorder.ts';
import { rejectWhenRefused } from './support/handshake.ts';

const record: FunctionSpec = { id: 'Record', entry: 'ws-record', access: [] };
const authorizerFunction: FunctionSpec = { id: 'Authorize', entry: 'ws-authorize', access: [] };
const routes: WebSocketRoute[] = [
  { routeKey: '$connect', function: record },
  { routeKey: '$disconnect', function: record },
  { routeKey: '$default', function: record },
];

interface RecordedEvent {
  type?: string;
  methodArn?: string;
  requestContext: Record<string, unknown> & { routeKey: string; connectionId: string };
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  queryStringParameters?: Record<string, string>;
  multiValueQueryStringParameters?: Record<string, string[]>;
  stageVariables?: Record<string, string>;
}

/** Collects what the `ws-authorize` and `ws-record` fixtures report. */
class Recorder extends EventRecorder<RecordedEvent> {
  tagged(tag: string): RecordedEvent[] {
    return this.events.filter((event) => event.queryStringParameters?.tag === tag);
  }
}

/** Opens a WebSocket; rejects with the status and body of a refused handshake. */
function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.on('open', () => resolve(ws));
    rejectWhenRefused(ws, reject);
  });
}

describe('local WebSocket API with a Lambda REQUEST authorizer on $connect', () => {
  const recorder = new Recorder();
  let runtime: LambdaRuntime;
  let api: RunningWebSocketApi;
  let tag = 0;
  const nextTag = () => {
    tag += 1;
    return String(tag);
  };
  const isAuthorizerEvent = (event: RecordedEvent) => event.type === 'REQUEST';
  const isRoute = (routeKey: string) => (event: RecordedEvent) =>
    !isAuthorizerEvent(event) && event.requestContext.routeKey === routeKey;

  beforeAll(async () => {
    const recorderUrl = await recorder.start();
    runtime = createLambdaRuntime({
      handlersDir: new URL('./fixtures/', import.meta.url),
      environment: () => ({ RECORDER_URL: recorderUrl, AWS_REGION: 'eu-west-1' }),
    });
    api = await startWebSocketApi({
      routes,
      runtime,
      stageName: 'ws',
      routeSelectionExpression: '$request.body.type',
      authorizer: { function: authorizerFunction, identitySource: 'route.request.querystring.token' },
      region: 'eu-west-1',
    });
  });

  afterAll(async () => {
    await api?.stop();
    await runtime?.stop();
    recorder.server.close();
  });

  it.each([
    ['no token', ''],
    ['an empty token', '&token='],
  ])('refuses a handshake with %s with 401, invoking nothing', async (_case, query) => {
    const mine = nextTag();

    await expect(connect(`${api.url}?tag=${mine}${query}`)).rejects.toMatchObject({
      status: 401,
      body: '{"message":"Unauthorized"}',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(recorder.tagged(mine)).toEqual([]);
  });

  it("gives the authorizer AWS's REQUEST event, for the connection $connect then opens", async () => {
    const mine = nextTag();

    const ws = await connect(`${api.url}?tag=${mine}&token=allow`, { 'User-Agent': 'tests/1.0' });

    const authorizerEvent = await recorder.waitFor(
      (e) => isAuthorizerEvent(e) && e.queryStringParameters?.tag === mine,
    );
    const connectEvent = await recorder.waitFor(
      (e) => isRoute('$connect')(e) && e.queryStringParameters?.tag === mine,
    );
    expect(authorizerEvent.methodArn).toMatch(
      /^arn:aws:execute-api:eu-west-1:000000000000:[a-z0-9]{10}\/ws\/\$connect$/,
    );
    expect(authorizerEvent.methodArn).toContain(`:${connectEvent.requestContext.apiId}/`);
    expect(authorizerEvent.queryStringParameters).toEqual({ tag: mine, token: 'allow' });
    expect(authorizerEvent.multiValueQueryStringParameters).toEqual({ tag: [mine], token: ['allow'] });
    expect(authorizerEvent.stageVariables).toEqual({});
    expect(authorizerEvent.headers).toMatchObject({
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'content-length': '0',
      'Sec-WebSocket-Version': '13',
      'User-Agent': 'tests/1.0',
      'X-Forwarded-For': '127.0.0.1',
    });
    expect(authorizerEvent.multiValueHeaders?.Upgrade).toEqual(['websocket']);
    expect(authorizerEvent.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      stage: 'ws',
      connectionId: connectEvent.requestContext.connectionId,
      requestId: connectEvent.requestContext.requestId,
      identity: { sourceIp: '127.0.0.1', userAgent: 'tests/1.0' },
    });
    expect(authorizerEvent.requestContext).not.toHaveProperty('authorizer');
    ws.close();
  });

  it("gives every event of an allowed connection the authorizer's context, its values as strings", async () => {
    const mine = nextTag();
    const expected = {
      userId: 'u-1',
      isAdmin: 'true',
      tokenExpiresAt: '1767225600',
      principalId: 'user-1',
      integrationLatency: expect.any(Number),
    };

    const ws = await connect(`${api.url}?tag=${mine}&token=allow`);
    const connectEvent = await recorder.waitFor(
      (e) => isRoute('$connect')(e) && e.queryStringParameters?.tag === mine,
    );
    const { connectionId } = connectEvent.requestContext;
    ws.send('{"type": "anything"}');
    const messageEvent = await recorder.waitFor(
      (e) => isRoute('$default')(e) && e.requestContext.connectionId === connectionId,
    );
    ws.close();
    const disconnectEvent = await recorder.waitFor(
      (e) => isRoute('$disconnect')(e) && e.requestContext.connectionId === connectionId,
    );

    expect(connectEvent.requestContext.authorizer).toEqual(expected);
    expect(messageEvent.requestContext.authorizer).toEqual(connectEvent.requestContext.authorizer);
    expect(disconnectEvent.requestContext.authorizer).toEqual(connectEvent.requestContext.authorizer);
  });

  it.each([
    ['a stage-wide wildcard', 'allow-stage'],
    ['a list of resources, one of them the method ARN', 'allow-list'],
  ])('accepts an Allow on %s', async (_case, token) => {
    const ws = await connect(`${api.url}?tag=${nextTag()}&token=${token}`);

    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it.each([
    ['an explicit Deny', 'deny', 403],
    ['a Deny beside a broader Allow', 'allow-and-deny', 403],
    ['a policy with no statements', 'no-statements', 403],
    ['an Allow whose resource does not match $connect', 'allow-too-deep', 403],
    ['the error "Unauthorized"', 'unauthorized', 401],
    ['any other error', 'fail', 500],
    ['an answer without principalId or policy', 'malformed', 500],
    ['a context value that is an object', 'object-context', 500],
  ])('refuses %s with %s, and never runs $connect', async (_case, token, status) => {
    const mine = nextTag();

    await expect(connect(`${api.url}?tag=${mine}&token=${token}`)).rejects.toMatchObject({ status });

    expect(recorder.tagged(mine).filter(isAuthorizerEvent)).toHaveLength(1);
    expect(recorder.tagged(mine).filter(isRoute('$connect'))).toEqual([]);
  });

  it('reads a header identity source case-insensitively', async () => {
    const byHeader = await startWebSocketApi({
      routes,
      runtime,
      stageName: 'ws',
      routeSelectionExpression: '$request.body.type',
      authorizer: { function: authorizerFunction, identitySource: 'route.request.header.auth' },
    });
    try {
      await expect(connect(`${byHeader.url}?tag=${nextTag()}`)).rejects.toMatchObject({ status: 401 });

      const ws = await connect(`${byHeader.url}?tag=${nextTag()}`, { Auth: 'allow' });

      expect(ws.readyState).toBe(WebSocket.OPEN);
      ws.close();
    } finally {
      await byHeader.stop();
    }
  });

  it('refuses to start with an identity source it cannot read', async () => {
    const starting = startWebSocketApi({
      routes,
      runtime,
      stageName: 'ws',
      routeSelectionExpression: '$request.body.type',
      authorizer: { function: authorizerFunction, identitySource: 'route.request.body.token' },
    });

    await expect(starting).rejects.toThrow(/Unsupported identity source route\.request\.body\.token/);
  });
});
