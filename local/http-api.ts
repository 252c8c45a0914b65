/**
 * A local API Gateway HTTP API: `$default` stage, Lambda proxy integrations with payload format 2.0.
 *
 * A request no route matches goes to the `$default` route when there is one (`defaultRoute`), as in
 * API Gateway: a route's own match always wins, the most specific first; without it, the gateway's 404.
 *
 * Event and response handling follow
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 * Which request bodies arrive base64-encoded was measured against AWS by ministack (PR #766): only
 * `text/*`, `application/json`, `application/xml` and `application/javascript` arrive as text.
 * The gateway's own answers (`{"message":"Not Found"}`, `"Internal Server Error"`, 503 `"Service
 * Unavailable"` after the 30 s integration timeout, 429 `"Too Many Requests"`, 413 `"Request Entity Too
 * Large"` over 10 MB) carry an `apigw-requestid` header, as captured from AWS in cortexlabs/cortex#1225.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FunctionSpec, HttpRoute } from '../lib/api-routes.ts';
import { gatewayId, localAccountId, apiId as newApiId, requestTime, traceId } from './apigw/ids.ts';
import { invokeWithin } from './apigw/integration.ts';
import { decodeComponent, groupHeaders, parseQuery, sourceIp, splitTarget } from './apigw/request.ts';
import { type StageThrottle, tokenBucket } from './apigw/throttle.ts';
import { readBody } from './http-body.ts';
import type { InvokeResult, LambdaRuntime } from './lambda-runtime.ts';
import { closeServer, listenLocal } from './listen.ts';

/** Options of {@link startHttpApi}. */
export interface HttpApiOptions {
  readonly routes: readonly HttpRoute[];
  /** The `$default` route, for every request no route matches. @default none: API Gateway's 404 */
  readonly defaultRoute?: { readonly function: FunctionSpec };
  readonly runtime: LambdaRuntime;
  /** Requests per second and burst, as the stage's throttling. @default no throttling */
  readonly throttle?: StageThrottle;
  /** @default 30_000, HTTP APIs' maximum */
  readonly integrationTimeoutMs?: number;
}

/** A running local HTTP API. */
export interface RunningHttpApi {
  /** `http://127.0.0.1:<port>`, the stage's invoke URL. */
  readonly url: string;
  stop(): Promise<void>;
}

const maxPayloadBytes = 10 * 1024 * 1024;
const textContentType = /^(text\/|application\/(json|xml|javascript)\b)/i;

type Segment = { kind: 0; text: string } | { kind: 1; name: string } | { kind: 2; name: string };

interface CompiledRoute {
  readonly route: HttpRoute;
  readonly routeKey: string;
  readonly segments: readonly Segment[];
}

interface RouteMatch {
  readonly compiled: CompiledRoute;
  readonly pathParameters: Record<string, string>;
}

interface GatewayAnswer {
  readonly status: number;
  readonly message: string;
  /** AWS sends the timeout answer without a content type. */
  readonly untyped?: boolean;
}

const notFound: GatewayAnswer = { status: 404, message: 'Not Found' };
const internalError: GatewayAnswer = { status: 500, message: 'Internal Server Error' };
const unavailable: GatewayAnswer = { status: 503, message: 'Service Unavailable', untyped: true };
const tooManyRequests: GatewayAnswer = { status: 429, message: 'Too Many Requests' };
const tooLarge: GatewayAnswer = { status: 413, message: 'Request Entity Too Large' };

/** Starts a local HTTP API serving `routes` through `runtime`. */
export async function startHttpApi(options: HttpApiOptions): Promise<RunningHttpApi> {
  const routes = options.routes.map(compile);
  const integrationTimeoutMs = options.integrationTimeoutMs ?? 30_000;
  const takeToken = tokenBucket(options.throttle);
  const apiId = newApiId();

  const server = createServer((req, res) => {
    const requestId = gatewayId();
    res.setHeader('apigw-requestid', requestId);
    handle(req, res, requestId).catch((error: unknown) => {
      console.error('local HTTP API: request failed', error);
      if (!res.headersSent) answer(res, internalError);
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    if (!takeToken()) return answer(res, tooManyRequests);
    const body = await readPayload(req);
    if (!body) {
      res.setHeader('connection', 'close');
      return answer(res, tooLarge);
    }
    const { path, rawQueryString } = splitTarget(req.url);
    const match = matchRoute(routes, req.method ?? 'GET', path);
    const target = match
      ? { fn: match.compiled.route.function, routeKey: match.compiled.routeKey, ...match }
      : options.defaultRoute && {
          fn: options.defaultRoute.function,
          routeKey: '$default',
          pathParameters: {},
        };
    if (!target) return answer(res, notFound);

    const { routeKey, pathParameters } = target;
    const event = buildEvent({ req, body, path, rawQueryString, routeKey, pathParameters, requestId, apiId });
    const result = await invokeWithin(options.runtime, target.fn, event, integrationTimeoutMs);
    if (result === 'timeout') return answer(res, unavailable);
    if (!result.ok) return answer(res, internalError);
    const response = interpret(result);
    if (!response) return answer(res, internalError);
    for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
    res.writeHead(response.status);
    res.end(response.body);
  }

  return { url: await listenLocal(server), stop: () => closeServer(server) };
}

function compile(route: HttpRoute): CompiledRoute {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((part): Segment => {
      const variable = /^\{(.+?)(\+?)\}$/.exec(part);
      if (!variable) return { kind: 0, text: part };
      const name = variable[1] as string;
      return variable[2] ? { kind: 2, name } : { kind: 1, name };
    });
  return { route, routeKey: `${route.method} ${route.path}`, segments };
}

/**
 * Picks the most specific matching route, as API Gateway does: at the first segment where two
 * candidates differ, a literal beats a `{variable}`, which beats a greedy `{proxy+}`.
 */
function matchRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteMatch | undefined {
  const parts = path.split('/').slice(1);
  let best: RouteMatch | undefined;
  for (const compiled of routes) {
    if (compiled.route.method !== method) continue;
    const pathParameters = matchSegments(compiled.segments, parts);
    if (!pathParameters) continue;
    if (!best || moreSpecific(compiled.segments, best.compiled.segments)) best = { compiled, pathParameters };
  }
  return best;
}

function matchSegments(
  segments: readonly Segment[],
  parts: readonly string[],
): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (segment.kind === 2) {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.join('/') === '') return undefined;
      parameters[segment.name] = rest.map(decodeComponent).join('/');
      return parameters;
    }
    if (part === undefined) return undefined;
    if (segment.kind === 0 && part !== segment.text) return undefined;
    if (segment.kind === 1) {
      if (part === '') return undefined;
      parameters[segment.name] = decodeComponent(part);
    }
  }
  return parts.length === segments.length ? parameters : undefined;
}

function moreSpecific(a: readonly Segment[], b: readonly Segment[]): boolean {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const difference = (a[i] as Segment).kind - (b[i] as Segment).kind;
    if (difference !== 0) return difference < 0;
  }
  return false;
}

function buildEvent(input: {
  req: IncomingMessage;
  body: Buffer;
  path: string;
  rawQueryString: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  requestId: string;
  apiId: string;
}) {
  const { req, body, path, rawQueryString, routeKey, pathParameters, requestId, apiId } = input;
  const now = new Date();
  const ip = sourceIp(req);
  const grouped = groupHeaders(req, { lowerCase: true });
  // Format 2.0 moves cookies out of the headers into their own list.
  const cookies = (grouped.cookie ?? []).flatMap((header) =>
    header
      .split(';')
      .map((cookie) => cookie.trim())
      .filter((cookie) => cookie !== ''),
  );
  delete grouped.cookie;
  const headers: Record<string, string> = Object.fromEntries(
    Object.entries(grouped).map(([name, values]) => [name, values.join(',')]),
  );
  headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
  headers['x-forwarded-port'] = String(req.socket.localPort ?? '');
  headers['x-forwarded-proto'] = 'http';
  headers['x-amzn-trace-id'] ??= traceId(now);

  const query = parseQuery(rawQueryString);
  const domainName = req.headers.host ?? '127.0.0.1';
  const isBase64Encoded = !textContentType.test(headers['content-type'] ?? '');
  const hasPathParameters = Object.keys(pathParameters).length > 0;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(Object.keys(query).length > 0 && {
      queryStringParameters: Object.fromEntries(
        Object.entries(query).map(([name, values]) => [name, values.join(',')]),
      ),
    }),
    requestContext: {
      accountId: localAccountId,
      apiId,
      domainName,
      domainPrefix: domainName.split('.')[0],
      http: {
        method: req.method,
        path,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: ip,
        userAgent: req.headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasPathParameters && { pathParameters }),
    ...(body.length > 0 && { body: body.toString(isBase64Encoded ? 'base64' : 'utf8') }),
    isBase64Encoded: body.length > 0 && isBase64Encoded,
  };
}

interface HttpResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

/**
 * Reads a format 2.0 result. A value with `statusCode` is a response; anything else is a 200 JSON body,
 * as AWS infers it. A response whose parts have the wrong types is malformed (500).
 */
function interpret(result: InvokeResult & { ok: true }): HttpResponse | undefined {
  const value = result.value;
  if (typeof value !== 'object' || value === null || !('statusCode' in value)) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(value)),
    };
  }
  const fields = value as Record<string, unknown>;
  const { statusCode, body } = fields;
  // Absent and null parts mean the same to the gateway.
  const headers = fields.headers ?? {};
  const cookies = fields.cookies ?? [];
  const isBase64Encoded = fields.isBase64Encoded ?? false;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    return undefined;
  }
  if (typeof headers !== 'object' || Array.isArray(headers)) return undefined;
  if (!Array.isArray(cookies) || !cookies.every((cookie) => typeof cookie === 'string')) return undefined;
  if (body !== undefined && body !== null && typeof body !== 'string') return undefined;
  if (typeof isBase64Encoded !== 'boolean') return undefined;

  const responseHeaders: Record<string, string | string[]> = {};
  const setCookies: string[] = [];
  for (const [name, headerValue] of Object.entries(headers)) {
    if (!['string', 'number', 'boolean'].includes(typeof headerValue)) return undefined;
    if (name.toLowerCase() === 'set-cookie') setCookies.push(String(headerValue));
    else responseHeaders[name] = String(headerValue);
  }
  // Each cookie becomes its own set-cookie header, after one the headers may already set.
  setCookies.push(...cookies);
  if (setCookies.length > 0) responseHeaders['set-cookie'] = setCookies;
  const text = typeof body === 'string' ? body : '';
  return {
    status: statusCode,
    headers: responseHeaders,
    body: Buffer.from(text, isBase64Encoded ? 'base64' : 'utf8'),
  };
}

function answer(res: ServerResponse, gatewayAnswer: GatewayAnswer): void {
  const body = JSON.stringify({ message: gatewayAnswer.message });
  if (!gatewayAnswer.untyped) res.setHeader('content-type', 'application/json');
  res.writeHead(gatewayAnswer.status, { 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The request body, or `undefined` when it is over API Gateway's 10 MB payload limit. */
async function readPayload(req: IncomingMessage): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > maxPayloadBytes) return undefined;
  return readBody(req, maxPayloadBytes);
}
