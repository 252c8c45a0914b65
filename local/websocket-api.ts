/**
 * A local API Gateway WebSocket API with Lambda proxy integrations and the `@connections` management
 * API on the same port, as the functions reach it through `CONNECTIONS_ENDPOINT`.
 *
 * Behaviour taken from AWS (documentation and captures in public issues and tests):
 * - `$connect` runs during the handshake; a non-2xx `statusCode` refuses it with that status, a failed
 *   invocation with 502 (serverless/serverless-websockets-plugin#13), a timed-out one with 504.
 * - Messages select a route by `$request.body.<field>`; non-JSON bodies and unknown values go to
 *   `$default`; with no `$default` the client gets `{"message": "Forbidden", "connectionId":…,
 *   "requestId":…}`; a failed integration answers `{"message": "Internal server error", …}` and a
 *   timed-out one (29 s) `{"message": "Endpoint request timed out", …}`. Return values are not sent.
 * - Limits: frames over 32 KB and messages over 128 KB close the connection with 1009; binary frames
 *   close it with 1003 (docs: websocket-api-develop-binary-media-types); 10 minutes without a message
 *   either way and 2 hours in all close it with 1001 "Going away" (an AWS `$disconnect` event 10 min
 *   after connecting reads `disconnectStatusCode: 1001, disconnectReason: "Going away"`).
 * - `$disconnect` is invoked once per connection, best-effort, with the close code and AWS's reason text
 *   ("Connection Closed Normally" for 1000, as after `DeleteConnection`; "Client-side close frame
 *   status not set" for 1005). Reasons for 1003, 1006 and 1009 are not documented and are guesses.
 * - `@connections`: an unknown, closing or closed id is 410 `GoneException`; a post over 128 KB is 413
 *   `PayloadTooLargeException`. Signatures are not verified, only required.
 * - Ping frames are answered but, as in AWS, do not count as activity for the idle timeout.
 * - A Lambda REQUEST authorizer on `$connect` (docs: apigateway-websocket-api-lambda-auth,
 *   api-gateway-lambda-authorizer-output): a missing or empty identity source refuses the handshake
 *   with 401 before anything is invoked; the authorizer gets the REST-style REQUEST event with a
 *   `methodArn` ending in `/$connect`; `throw new Error('Unauthorized')` is 401, any other failure or a
 *   malformed answer 500, a policy that does not allow `execute-api:Invoke` on the method ARN 403. An
 *   allowed connection carries `requestContext.authorizer` (the policy's `context`, values stringified
 *   as AWS documents for Lambda proxy integrations, plus `principalId` and `integrationLatency`) on
 *   every event, `$connect` to `$disconnect`. Results are not cached: WebSocket APIs have no
 *   authorizer cache.
 * - Stage throttling: one token bucket for the stage (`burstLimit` tokens, `rateLimit` a second), taken by
 *   every handshake and every message, as API Gateway "throttles requests ... using the token bucket
 *   algorithm" and "clients may receive 429 Too Many Requests" (docs: websocket-api-protect). A throttled
 *   handshake is refused with 429 before the authorizer or `$connect` runs; a throttled message invokes
 *   nothing and gets the gateway's error frame `{"message": "Too Many Requests", "connectionId":…,
 *   "requestId":…}`, the connection staying open. AWS documents the status, not the frame: its wording
 *   here follows the HTTP API's 429 body and the shape of the gateway's other error frames above.
 */

import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import type { FunctionSpec, WebSocketRoute } from '../lib/api-routes.ts';
import { frameSizeGuard } from './apigw/frame-guard.ts';
import { gatewayId, localAccountId, apiId as newApiId, requestTime, traceId } from './apigw/ids.ts';
import { invokeWithin } from './apigw/integration.ts';
import {
  decodeComponent,
  groupHeaders,
  type MultiValueHeaders,
  parseQuery,
  sourceIp,
  splitTarget,
} from './apigw/request.ts';
import { type StageThrottle, tokenBucket } from './apigw/throttle.ts';
import { sendAwsReply } from './aws-reply.ts';
import { readBody } from './http-body.ts';
import type { InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import { closeServer, listenLocal } from './listen.ts';

/** Options of {@link startWebSocketApi}. */
export interface WebSocketApiOptions {
  readonly routes: readonly WebSocketRoute[];
  readonly runtime: LambdaRuntime;
  readonly stageName: string;
  /** Only `$request.body.<field>` (dotted paths allowed) is supported. */
  readonly routeSelectionExpression: string;
  /** @default 600_000 (10 minutes, AWS's idle timeout) */
  readonly idleTimeoutMs?: number;
  /** @default 7_200_000 (2 hours, AWS's maximum connection duration) */
  readonly maxConnectionMs?: number;
  /** @default 29_000 (AWS's WebSocket integration timeout) */
  readonly integrationTimeoutMs?: number;
  /**
   * The `$connect` route's Lambda REQUEST authorizer. Its identity source is
   * `route.request.querystring.<name>` or `route.request.header.<name>`.
   */
  readonly authorizer?: { readonly function: FunctionSpec; readonly identitySource: string };
  /** The region in the authorizer's `methodArn`. @default 'us-east-1' */
  readonly region?: string;
  /** Handshakes and messages per second and burst, as the stage's throttling. @default no throttling */
  readonly throttle?: StageThrottle;
}

/** A running local WebSocket API. */
export interface RunningWebSocketApi {
  /** `ws://127.0.0.1:<port>/<stage>`, where clients connect. */
  readonly url: string;
  /** `http://127.0.0.1:<port>/<stage>`, the `@connections` endpoint (`CONNECTIONS_ENDPOINT`). */
  readonly managementUrl: string;
  stop(): Promise<void>;
}

const maxMessageBytes = 128 * 1024;
const maxFrameBytes = 32 * 1024;

interface Connection {
  readonly id: string;
  readonly connectedAt: number;
  readonly sourceIp: string;
  readonly userAgent: string | undefined;
  readonly domainName: string;
  /** The REQUEST authorizer's answer, passed to every route as `requestContext.authorizer`. */
  authorizer?: Record<string, string | number>;
  socket?: WebSocket;
  lastActiveAt: number;
  /** Set when the gateway closes the connection, with the code and reason `$disconnect` reports. */
  closing?: { code: number; reason: string };
  timers: NodeJS.Timeout[];
  closed: Promise<void>;
  markClosed(): void;
}

type Refusal = { status: number; body: string };

/** Starts a local WebSocket API serving `routes` through `runtime`. */
export async function startWebSocketApi(options: WebSocketApiOptions): Promise<RunningWebSocketApi> {
  const selectionPath = parseSelectionExpression(options.routeSelectionExpression);
  const routes = new Map(options.routes.map((route) => [route.routeKey, route.function]));
  const stage = options.stageName;
  const idleTimeoutMs = options.idleTimeoutMs ?? 600_000;
  const maxConnectionMs = options.maxConnectionMs ?? 7_200_000;
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 29_000;
  const identitySource = options.authorizer && parseIdentitySource(options.authorizer.identitySource);
  const apiId = newApiId();
  const methodArn = `arn:aws:execute-api:${options.region ?? 'us-east-1'}:${localAccountId}:${apiId}/${stage}/$connect`;
  const takeToken = tokenBucket(options.throttle);
  const connections = new Map<string, Connection>();
  const open = new Set<Connection>();
  const handshaking = new Set<Socket>();
  const disconnects = new Set<Promise<unknown>>();
  // The subprotocol `$connect` chose for each handshake; the client's wish alone is not enough.
  const chosenProtocols = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    maxPayload: maxMessageBytes,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => chosenProtocols.get(req) ?? false,
  });

  const server = createServer((req, res) => {
    manage(req, res).catch((error: unknown) => {
      console.error('local WebSocket API: management request failed', error);
      if (!res.headersSent)
        sendAwsReply(res, {
          status: 500,
          errorType: 'InternalServerErrorException',
          body: { message: 'Internal server error' },
        });
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    handshake(req, socket, head).catch((error: unknown) => {
      console.error('local WebSocket API: handshake failed', error);
      socket.destroy();
    });
  });

  function context(
    connection: Connection,
    routeKey: string,
    eventType: string,
    now: Date,
    requestId: string,
  ) {
    return {
      routeKey,
      ...(connection.authorizer && { authorizer: connection.authorizer }),
      eventType,
      extendedRequestId: requestId,
      requestTime: requestTime(now),
      messageDirection: 'IN',
      stage,
      connectedAt: connection.connectedAt,
      requestTimeEpoch: now.getTime(),
      identity: {
        ...(connection.userAgent !== undefined && { userAgent: connection.userAgent }),
        sourceIp: connection.sourceIp,
      },
      requestId,
      domainName: connection.domainName,
      connectionId: connection.id,
      apiId,
    };
  }

  async function handshake(req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
    socket.on('error', () => socket.destroy());
    const { path, rawQueryString } = splitTarget(req.url);
    if (path !== `/${stage}` && path !== `/${stage}/`) {
      return refuse(socket, forbidden);
    }
    if (!takeToken()) return refuse(socket, tooManyRequests);
    handshaking.add(socket);
    try {
      let resolveClosed = () => {};
      const connection: Connection = {
        id: gatewayId(),
        connectedAt: Date.now(),
        sourceIp: sourceIp(req),
        userAgent: req.headers['user-agent'],
        domainName: req.headers.host ?? '127.0.0.1',
        lastActiveAt: Date.now(),
        timers: [],
        closed: new Promise((resolve) => {
          resolveClosed = resolve;
        }),
        markClosed: () => resolveClosed(),
      };

      // One request: the authorizer and `$connect` see the same request id, time and trace header.
      const now = new Date();
      const requestId = gatewayId();
      const headers = handshakeHeaders(req, now);
      const query = handshakeQuery(rawQueryString);
      if (options.authorizer && identitySource) {
        if (!identityOf(identitySource, headers.multiValueHeaders, query.multiValueQueryStringParameters)) {
          return refuse(socket, unauthorized);
        }
        const started = performance.now();
        const result = await invoke(options.authorizer.function, {
          type: 'REQUEST',
          methodArn,
          ...authorizerHeaders(req, headers),
          queryStringParameters: query.queryStringParameters ?? {},
          multiValueQueryStringParameters: query.multiValueQueryStringParameters ?? {},
          stageVariables: {},
          requestContext: context(connection, '$connect', 'CONNECT', now, requestId),
        });
        if (socket.destroyed) return;
        const decision = authorize(result, methodArn, Math.round(performance.now() - started));
        if ('refusal' in decision) return refuse(socket, decision.refusal);
        connection.authorizer = decision.authorizer;
      }

      const connect = routes.get('$connect');
      if (connect) {
        const event = {
          ...headers,
          ...query,
          requestContext: context(connection, '$connect', 'CONNECT', now, requestId),
          isBase64Encoded: false,
        };
        const result = await invoke(connect, event);
        if (socket.destroyed) return;
        const refusal = connectRefusal(result);
        if (refusal) return refuse(socket, refusal);
        const protocol = result !== 'timeout' && result.ok ? chosenProtocol(result.value) : undefined;
        if (protocol) chosenProtocols.set(req, protocol);
      }
      wss.handleUpgrade(req, socket, head, (ws) => opened(connection, ws, socket));
    } finally {
      handshaking.delete(socket);
    }
  }

  function opened(connection: Connection, ws: WebSocket, socket: Socket): void {
    connection.socket = ws;
    connections.set(connection.id, connection);
    open.add(connection);
    // Runs before ws reads the same bytes, so an oversized frame never becomes a message.
    socket.prependListener(
      'data',
      frameSizeGuard(maxFrameBytes, () => closeBy(connection, 1009, 'Message too big')),
    );
    ws.on('message', (data, isBinary) => received(connection, data, isBinary));
    ws.on('error', (error: Error & { code?: string }) => {
      // ws has already sent the close frame; record what the gateway would report.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        connection.closing ??= { code: 1009, reason: 'Message too big' };
      }
    });
    ws.on('close', (code, reason) => closed(connection, code, reason.toString()));
    connection.timers.push(
      setTimeout(() => closeBy(connection, 1001, 'Going away'), maxConnectionMs).unref(),
      setTimeout(() => idleCheck(connection), idleTimeoutMs).unref(),
    );
  }

  function idleCheck(connection: Connection): void {
    const idleFor = Date.now() - connection.lastActiveAt;
    if (idleFor >= idleTimeoutMs) closeBy(connection, 1001, 'Going away');
    else connection.timers.push(setTimeout(() => idleCheck(connection), idleTimeoutMs - idleFor).unref());
  }

  function received(connection: Connection, data: RawData, isBinary: boolean): void {
    if (connection.closing) return;
    if (isBinary) {
      closeBy(connection, 1003, 'Unsupported data');
      return;
    }
    connection.lastActiveAt = Date.now();
    // ws hands text messages over as one Buffer (its default binaryType).
    const body = (data as Buffer).toString();
    const selected = selectRoute(body, selectionPath);
    const routeKey = selected !== undefined && routes.has(selected) ? selected : '$default';
    const fn = routes.get(routeKey);
    const now = new Date();
    const requestId = gatewayId();
    if (!takeToken()) {
      sendGatewayMessage(connection, 'Too Many Requests', requestId);
      return;
    }
    if (!fn) {
      sendGatewayMessage(connection, 'Forbidden', requestId);
      return;
    }
    const event = {
      requestContext: { ...context(connection, routeKey, 'MESSAGE', now, requestId), messageId: gatewayId() },
      body,
      isBase64Encoded: false,
    };
    void invoke(fn, event).then((result) => {
      if (result === 'timeout') sendGatewayMessage(connection, 'Endpoint request timed out', requestId);
      else if (!result.ok) sendGatewayMessage(connection, 'Internal server error', requestId);
    });
  }

  /** Sends one of the gateway's own error frames, spelled exactly as AWS spells them. */
  function sendGatewayMessage(connection: Connection, message: string, requestId: string): void {
    if (connection.socket?.readyState !== WebSocket.OPEN) return;
    connection.socket.send(
      `{"message": "${message}", "connectionId":"${connection.id}", "requestId":"${requestId}"}`,
    );
  }

  function closeBy(connection: Connection, code: number, reason: string): void {
    if (connection.closing) return;
    connection.closing = { code, reason };
    connections.delete(connection.id);
    connection.socket?.close(code);
  }

  function closed(connection: Connection, code: number, reason: string): void {
    connections.delete(connection.id);
    open.delete(connection);
    for (const timer of connection.timers) clearTimeout(timer);
    connection.markClosed();
    const disconnect = routes.get('$disconnect');
    if (!disconnect) return;
    const statusCode = connection.closing?.code ?? code;
    const now = new Date();
    const event = {
      headers: { Host: connection.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' },
      multiValueHeaders: {
        Host: [connection.domainName],
        'x-api-key': [''],
        'X-Forwarded-For': [''],
        'x-restapi': [''],
      },
      requestContext: {
        ...context(connection, '$disconnect', 'DISCONNECT', now, gatewayId()),
        disconnectStatusCode: statusCode,
        disconnectReason: connection.closing?.reason ?? disconnectReason(statusCode, reason),
      },
      isBase64Encoded: false,
    };
    const invocation = invoke(disconnect, event).catch(() => undefined);
    disconnects.add(invocation);
    void invocation.finally(() => disconnects.delete(invocation));
  }

  async function invoke(fn: FunctionSpec, event: unknown): Promise<InvokeResult | 'timeout'> {
    try {
      return await invokeWithin(options.runtime, fn, event, integrationTimeoutMs);
    } catch (error) {
      return { ok: false, errorType: 'ServiceException', errorMessage: String(error) };
    }
  }

  async function manage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const forbidden = { status: 403, errorType: 'ForbiddenException', body: { message: 'Forbidden' } };
    const { path } = splitTarget(req.url);
    const prefix = `/${stage}/@connections/`;
    if (!path.startsWith(prefix) || path.length === prefix.length) {
      return sendAwsReply(res, forbidden);
    }
    if (!req.headers.authorization) {
      return sendAwsReply(res, {
        status: 403,
        errorType: 'ForbiddenException',
        body: { message: 'Missing Authentication Token' },
      });
    }
    // A malformed escape is kept as sent, so it simply names no connection.
    const connection = connections.get(decodeComponent(path.slice(prefix.length)));
    const body = await readBody(req, maxMessageBytes);
    const live = connection?.socket?.readyState === WebSocket.OPEN ? connection : undefined;
    if (!['POST', 'GET', 'DELETE'].includes(req.method ?? '')) {
      return sendAwsReply(res, forbidden);
    }
    if (!live?.socket) return sendAwsReply(res, { status: 410, errorType: 'GoneException', body: {} });
    switch (req.method) {
      case 'POST':
        if (!body)
          return sendAwsReply(res, {
            status: 413,
            errorType: 'PayloadTooLargeException',
            body: { message: 'Message too long' },
          });
        live.lastActiveAt = Date.now();
        live.socket.send(body, { binary: false });
        return sendAwsReply(res, { status: 200 });
      case 'GET':
        return sendAwsReply(res, {
          status: 200,
          body: {
            connectedAt: new Date(live.connectedAt).toISOString(),
            identity: { sourceIp: live.sourceIp, userAgent: live.userAgent ?? '' },
            lastActiveAt: new Date(live.lastActiveAt).toISOString(),
          },
        });
      default:
        closeBy(live, 1000, 'Connection Closed Normally');
        return sendAwsReply(res, { status: 204 });
    }
  }

  const { host } = new URL(await listenLocal(server));
  return {
    url: `ws://${host}/${stage}`,
    managementUrl: `http://${host}/${stage}`,
    async stop() {
      for (const socket of handshaking) socket.destroy();
      const connected = [...open];
      for (const connection of connected) closeBy(connection, 1001, 'Going away');
      // Clients normally answer the close frame at once; do not wait long for those that do not.
      const grace = new Promise((resolve) => setTimeout(resolve, 1_000).unref());
      await Promise.race([Promise.all(connected.map((connection) => connection.closed)), grace]);
      for (const connection of connected) connection.socket?.terminate();
      await Promise.all(connected.map((connection) => connection.closed));
      await Promise.allSettled([...disconnects]);
      wss.close();
      await closeServer(server);
    },
  };
}

function parseSelectionExpression(expression: string): string[] {
  const match = /^\$request\.body\.([A-Za-z0-9_$.-]+)$/.exec(expression);
  if (!match)
    throw new Error(`Unsupported route selection expression ${expression}; use $request.body.<field>`);
  return (match[1] as string).split('.');
}

/** The value the selection expression picks from a JSON body; reserved `$` keys are never selected. */
function selectRoute(body: string, path: readonly string[]): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
  const key = String(value);
  return key.startsWith('$') ? undefined : key;
}

/** Headers as API Gateway passes them to `$connect`: names as sent, plus its forwarding headers. */
function handshakeHeaders(req: IncomingMessage, now: Date) {
  const grouped = groupHeaders(req, { lowerCase: false });
  const multiValueHeaders: MultiValueHeaders = {};
  for (const [name, values] of Object.entries(grouped)) {
    // The hop-by-hop upgrade headers are the gateway's business, not the integration's.
    if (!['connection', 'upgrade'].includes(name.toLowerCase())) multiValueHeaders[name] = values;
  }
  const forwardedFor = multiValueHeaders['X-Forwarded-For'] ?? [];
  multiValueHeaders['X-Amzn-Trace-Id'] = [traceId(now)];
  multiValueHeaders['X-Forwarded-For'] = [[...forwardedFor, sourceIp(req)].join(', ')];
  multiValueHeaders['X-Forwarded-Port'] = [String(req.socket.localPort ?? '')];
  multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1)]),
  );
  return { headers, multiValueHeaders };
}

/** Query parameters in the REST-style shape: last value, and every value. Absent without a query. */
function handshakeQuery(rawQueryString: string) {
  const multiValueQueryStringParameters = parseQuery(rawQueryString);
  if (Object.keys(multiValueQueryStringParameters).length === 0) return {};
  const queryStringParameters = Object.fromEntries(
    Object.entries(multiValueQueryStringParameters).map(([name, values]) => [name, values.at(-1)]),
  );
  return { queryStringParameters, multiValueQueryStringParameters };
}

type IdentitySource = { in: 'header' | 'querystring'; name: string };

function parseIdentitySource(source: string): IdentitySource {
  const match = /^route\.request\.(header|querystring)\.([^.\s]+)$/.exec(source);
  if (!match) {
    throw new Error(
      `Unsupported identity source ${source}; use route.request.querystring.<name> or route.request.header.<name>`,
    );
  }
  return { in: match[1] as IdentitySource['in'], name: match[2] as string };
}

/** The identity source's value; headers match case-insensitively, query parameters exactly. */
function identityOf(
  source: IdentitySource,
  headers: MultiValueHeaders,
  query: MultiValueHeaders | undefined,
): string | undefined {
  const values =
    source.in === 'querystring'
      ? query?.[source.name]
      : Object.entries(headers).find(([name]) => name.toLowerCase() === source.name.toLowerCase())?.[1];
  const value = values?.at(-1);
  return value === undefined || value === '' ? undefined : value;
}

/**
 * Headers as API Gateway gives them to a WebSocket authorizer: those `$connect` sees, plus the
 * handshake's `Connection` and `Upgrade` and a `content-length` of 0 (as in AWS's documented example).
 */
function authorizerHeaders(req: IncomingMessage, connect: ReturnType<typeof handshakeHeaders>) {
  const raw = groupHeaders(req, { lowerCase: false });
  const multiValueHeaders: MultiValueHeaders = { 'content-length': ['0'] };
  for (const [name, values] of Object.entries(raw)) {
    if (['connection', 'upgrade'].includes(name.toLowerCase())) multiValueHeaders[name] = values;
  }
  Object.assign(multiValueHeaders, connect.multiValueHeaders);
  const headers = Object.fromEntries(
    Object.entries(multiValueHeaders).map(([name, values]) => [name, values.at(-1)]),
  );
  return { headers, multiValueHeaders };
}

const unauthorized: Refusal = { status: 401, body: JSON.stringify({ message: 'Unauthorized' }) };
const forbidden: Refusal = { status: 403, body: JSON.stringify({ message: 'Forbidden' }) };
const tooManyRequests: Refusal = { status: 429, body: JSON.stringify({ message: 'Too Many Requests' }) };
const authorizerFailure: Refusal = {
  status: 500,
  body: JSON.stringify({ message: 'Internal server error' }),
};

interface Statement {
  Effect?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

/** What the authorizer's answer means for the handshake. */
function authorize(
  result: InvokeResult | 'timeout',
  methodArn: string,
  latencyMs: number,
): { authorizer: Record<string, string | number> } | { refusal: Refusal } {
  if (result === 'timeout') return { refusal: authorizerFailure };
  if (!result.ok)
    return { refusal: result.errorMessage === 'Unauthorized' ? unauthorized : authorizerFailure };
  const answer = result.value as {
    principalId?: unknown;
    policyDocument?: unknown;
    context?: unknown;
  } | null;
  const statements = (answer?.policyDocument as { Statement?: unknown } | undefined)?.Statement;
  if (
    typeof answer !== 'object' ||
    answer === null ||
    typeof answer.principalId !== 'string' ||
    !(Array.isArray(statements) || (typeof statements === 'object' && statements !== null))
  ) {
    return { refusal: authorizerFailure };
  }
  const context = flattenContext(answer.context);
  if (!context) return { refusal: authorizerFailure };
  const applicable = (Array.isArray(statements) ? statements : [statements]).filter(
    (statement: Statement) =>
      matchesAny(statement.Action, 'execute-api:Invoke', { caseInsensitive: true }) &&
      matchesAny(statement.Resource, methodArn, { caseInsensitive: false }),
  ) as Statement[];
  // As in IAM: an explicit deny wins, and without an allow the answer is no.
  if (applicable.some((statement) => statement.Effect === 'Deny')) return { refusal: forbidden };
  if (!applicable.some((statement) => statement.Effect === 'Allow')) return { refusal: forbidden };
  return { authorizer: { ...context, principalId: answer.principalId, integrationLatency: latencyMs } };
}

/**
 * The context as the integration receives it: strings, numbers and booleans become strings, as AWS
 * documents for Lambda proxy integrations; any other value (objects, arrays, null) makes the
 * authorizer's answer invalid, which API Gateway reports as a 500.
 */
function flattenContext(context: unknown): Record<string, string> | undefined {
  if (context === undefined) return {};
  if (typeof context !== 'object' || context === null || Array.isArray(context)) return undefined;
  const flat: Record<string, string> = {};
  for (const [key, value] of Object.entries(context)) {
    if (!['string', 'number', 'boolean'].includes(typeof value)) return undefined;
    flat[key] = String(value);
  }
  return flat;
}

/** Whether an IAM `Action` or `Resource` (a string or a list) matches `value`; `*` and `?` are wildcards. */
function matchesAny(patterns: unknown, value: string, options: { caseInsensitive: boolean }): boolean {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return list.some((pattern) => {
    if (typeof pattern !== 'string') return false;
    const source = pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    return new RegExp(`^${source}$`, options.caseInsensitive ? 'i' : '').test(value);
  });
}

function connectRefusal(result: InvokeResult | 'timeout'): Refusal | undefined {
  if (result === 'timeout')
    return { status: 504, body: JSON.stringify({ message: 'Endpoint request timed out' }) };
  if (!result.ok) return { status: 502, body: JSON.stringify({ message: 'Internal server error' }) };
  const value = result.value as { statusCode?: unknown; body?: unknown } | null;
  const status = typeof value === 'object' && value !== null ? value.statusCode : undefined;
  if (status === undefined) return undefined;
  if (!Number.isInteger(status))
    return { status: 502, body: JSON.stringify({ message: 'Internal server error' }) };
  if ((status as number) >= 200 && (status as number) < 300) return undefined;
  return { status: status as number, body: typeof value?.body === 'string' ? value.body : '' };
}

function chosenProtocol(value: unknown): string | undefined {
  const headers = (value as { headers?: unknown } | null)?.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === 'sec-websocket-protocol');
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
}

function disconnectReason(code: number, clientReason: string): string {
  switch (code) {
    case 1000:
      return 'Connection Closed Normally';
    case 1001:
      return 'Going away';
    case 1005:
      return 'Client-side close frame status not set';
    case 1006:
      return 'Connection closed abnormally';
    default:
      return clientReason;
  }
}

function refuse(socket: Socket, refusal: Refusal): void {
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? 'Unknown'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(refusal.body)}\r\n` +
      'Connection: close\r\n\r\n' +
      refusal.body,
  );
}
