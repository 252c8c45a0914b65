/**
 * The functions hiroba deploys and the API routes that invoke them.
 *
 * One source of truth for the stack (`lib/`), which turns each entry into a Lambda function, an
 * integration and a route, and for local AWS (`local/`), which serves the same routes with the same
 * handler modules. Plain data: no CDK import, so local AWS can read it cheaply.
 */

import { ENV, type EnvName } from '../functions/shared/env.ts';

/** What a function may touch. The stack grants exactly these, and sets only their variables. */
export type Access =
  /** Data API statements on the cluster, and reading its secret. */
  | 'database'
  /** Reading and writing the connections table (connections, subscriptions, rate limits). */
  | 'connections'
  /** `execute-api:ManageConnections` on the WebSocket API. */
  | 'manageConnections'
  /** Verifying access tokens: the issuer, the app client and the issuer's signing keys. No IAM. */
  | 'auth'
  /** Invoking the fan-out function asynchronously (`lambda:InvokeFunction` on it alone). */
  | 'fanOut'
  /**
   * Uploaded images in the media bucket, `images/*` only: presigning uploads (`s3:PutObject` and
   * `s3:PutObjectTagging`, as which the presigned POST is authorized), reading their first bytes
   * (`s3:GetObject`) and tagging them attached (`s3:PutObjectTagging`).
   */
  | 'media'
  /** Knowing the HTTP API's route keys ({@link httpRouteKeys}). No IAM. */
  | 'routeTable';

/** The environment variables each kind of access brings; a function gets only those it needs. */
const accessEnvironment: Record<Access, readonly EnvName[]> = {
  database: [ENV.databaseClusterArn, ENV.databaseSecretArn, ENV.databaseName],
  connections: [ENV.connectionsTable, ENV.connectionTtlSeconds],
  manageConnections: [ENV.connectionsEndpoint],
  auth: [ENV.authIssuer, ENV.authClientId, ENV.authJwksUrl],
  fanOut: [ENV.fanOutFunction],
  media: [ENV.mediaBucket, ENV.maxUploadBytes],
  routeTable: [ENV.httpRouteKeys],
};

/** Every function's environment variable names, its access aside. */
const commonEnvironment: readonly EnvName[] = [ENV.serviceName, ENV.logLevel];

/** The environment variable names a function is given. */
export function environmentNames(fn: FunctionSpec): EnvName[] {
  return [...commonEnvironment, ...new Set(fn.access.flatMap((access) => accessEnvironment[access]))];
}

export interface FunctionSpec {
  /** Construct id stem, e.g. `Health` becomes `HealthFunction`. */
  readonly id: string;
  /** Module under `functions/handlers/`, without extension; it exports `handler`. */
  readonly entry: string;
  readonly access: readonly Access[];
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 */
  readonly timeoutSeconds?: number;
}

export interface HttpRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path as API Gateway writes it, `{name}` for a path parameter. Always under `/api`. */
  readonly path: `/api/${string}`;
  readonly function: FunctionSpec;
}

export interface WebSocketRoute {
  /** `$connect`, `$disconnect`, `$default`, or a value of the frame's `type`. */
  readonly routeKey: string;
  readonly function: FunctionSpec;
}

/** The WebSocket API selects a route by the `type` field of each JSON frame. */
export const webSocketRouteSelectionExpression = '$request.body.type';

/**
 * The viewer headers CloudFront forwards on `/ws` (with the query string): what API Gateway needs to
 * complete a WebSocket handshake, and nothing else.
 */
export const webSocketHandshakeHeaders = [
  'Sec-WebSocket-Key',
  'Sec-WebSocket-Version',
  'Sec-WebSocket-Protocol',
  'Sec-WebSocket-Extensions',
] as const;

/** Name of the WebSocket API stage; it matches CloudFront's `/ws` path with no rewriting. */
export const webSocketStageName = 'ws';

/**
 * A route function that reaches the database may spend the Data API adapter's whole retry budget (22 s)
 * waiting for Aurora to resume from 0 ACU, and must still answer its 503 before API Gateway's
 * integration timeout (29 s for WebSocket APIs, 30 s for HTTP APIs) answers for it.
 */
const databaseRouteTimeoutSeconds = 28;

function fn(
  id: string,
  entry: string,
  access: readonly Access[],
  extra: Partial<FunctionSpec> = {},
): FunctionSpec {
  const timeout = access.includes('database') ? { timeoutSeconds: databaseRouteTimeoutSeconds } : {};
  return { id, entry, access, ...timeout, ...extra };
}

/**
 * The `$connect` route's Lambda REQUEST authorizer: its identity source is the `token` query parameter,
 * so API Gateway refuses a handshake without one (401) before invoking anything.
 */
export const webSocketAuthorizer = {
  function: fn('WsAuthorizer', 'ws/authorize', ['auth', 'database']),
  identitySource: 'route.request.querystring.token',
} as const satisfies { function: FunctionSpec; identitySource: string };

// Who reads what: every caller-facing function authenticates (`auth`) and may meet a bot, whose API key
// lives in the database and whose rate limit lives in the connections table.
const caller = ['auth', 'database', 'connections'] as const satisfies readonly Access[];

export const httpRoutes: readonly HttpRoute[] = [
  { method: 'GET', path: '/api/health', function: fn('Health', 'http/health', caller) },
  { method: 'GET', path: '/api/me', function: fn('GetMe', 'http/get-me', caller) },
  { method: 'GET', path: '/api/channels', function: fn('ListChannels', 'http/list-channels', caller) },
  { method: 'POST', path: '/api/channels', function: fn('CreateChannel', 'http/create-channel', caller) },
  {
    method: 'GET',
    path: '/api/channels/{channelId}',
    function: fn('GetChannel', 'http/get-channel', caller),
  },
  {
    method: 'DELETE',
    path: '/api/channels/{channelId}',
    function: fn('DeleteChannel', 'http/delete-channel', [...caller, 'manageConnections']),
  },
  {
    method: 'GET',
    path: '/api/channels/{channelId}/members',
    function: fn('ListMembers', 'http/list-members', caller),
  },
  {
    method: 'POST',
    path: '/api/channels/{channelId}/join',
    function: fn('JoinChannel', 'http/join-channel', caller),
  },
  {
    method: 'POST',
    path: '/api/channels/{channelId}/leave',
    function: fn('LeaveChannel', 'http/leave-channel', [...caller, 'manageConnections']),
  },
  {
    method: 'PUT',
    path: '/api/channels/{channelId}/owner',
    function: fn('TransferChannel', 'http/transfer-channel', caller),
  },
  {
    method: 'PUT',
    path: '/api/channels/{channelId}/members/{userId}',
    function: fn('AddMember', 'http/add-member', caller),
  },
  {
    method: 'DELETE',
    path: '/api/channels/{channelId}/members/{userId}',
    function: fn('RemoveMember', 'http/remove-member', [...caller, 'manageConnections']),
  },
  {
    method: 'GET',
    path: '/api/channels/{channelId}/messages',
    function: fn('ListMessages', 'http/list-messages', caller, { memorySize: 512 }),
  },
  {
    method: 'POST',
    path: '/api/channels/{channelId}/messages',
    function: fn('PostMessage', 'http/post-message', [...caller, 'fanOut', 'media']),
  },
  {
    method: 'POST',
    path: '/api/uploads',
    function: fn('CreateUpload', 'http/create-upload', [...caller, 'media']),
  },
  { method: 'POST', path: '/api/api-keys', function: fn('CreateApiKey', 'http/create-api-key', caller) },
  { method: 'GET', path: '/api/api-keys', function: fn('ListApiKeys', 'http/list-api-keys', caller) },
  {
    method: 'DELETE',
    path: '/api/api-keys/{keyId}',
    function: fn('RevokeApiKey', 'http/revoke-api-key', caller),
  },
];

export const webSocketRoutes: readonly WebSocketRoute[] = [
  { routeKey: '$connect', function: fn('WsConnect', 'ws/connect', ['connections']) },
  { routeKey: '$disconnect', function: fn('WsDisconnect', 'ws/disconnect', ['connections']) },
  { routeKey: 'ping', function: fn('WsPing', 'ws/ping', ['connections', 'manageConnections']) },
  {
    routeKey: 'channel:subscribe',
    function: fn('WsSubscribe', 'ws/subscribe', ['database', 'connections', 'manageConnections']),
  },
  {
    routeKey: 'channel:unsubscribe',
    function: fn('WsUnsubscribe', 'ws/unsubscribe', ['connections', 'manageConnections']),
  },
  {
    routeKey: 'message:send',
    function: fn('WsSendMessage', 'ws/send-message', [
      'database',
      'connections',
      'manageConnections',
      'fanOut',
      'media',
    ]),
  },
  { routeKey: '$default', function: fn('WsDefault', 'ws/default', ['connections', 'manageConnections']) },
];

/**
 * Delivers one stored message to every connection subscribed to its channel. Invoked asynchronously by
 * the functions that store messages, so a sender never waits for a large channel's delivery.
 */
export const fanOutFunction: FunctionSpec = fn(
  'FanOut',
  'async/fan-out',
  ['connections', 'manageConnections'],
  {
    timeoutSeconds: 60,
    memorySize: 512,
  },
);

/** The custom resource that applies `migrations/*.sql` on every deploy. */
export const migrateFunction: FunctionSpec = {
  id: 'Migrate',
  entry: 'custom-resource/migrate',
  access: ['database'],
  timeoutSeconds: 600,
};

/**
 * The functions behind the routes, each once (several routes may share a function).
 * @throws Error when two different specs share an id: their constructs would collide.
 */
export function routeFunctions(): FunctionSpec[] {
  const byId = new Map<string, FunctionSpec>();
  for (const spec of [...httpRoutes, httpDefaultRoute, ...webSocketRoutes].map((route) => route.function)) {
    const known = byId.get(spec.id);
    if (known && known !== spec) throw new Error(`Two different functions share the id ${spec.id}`);
    byId.set(spec.id, spec);
  }
  return [...byId.values()];
}

/** Every function hiroba deploys: the routes', the authorizer, the fan-out and the migrations runner. */
export function deployedFunctions(): FunctionSpec[] {
  return [...routeFunctions(), webSocketAuthorizer.function, fanOutFunction, migrateFunction];
}

/**
 * The HTTP API's `$default` route, which API Gateway takes for any request no route matches (a route's
 * own match always wins, the most specific first): the contract's `404 not_found` for an unknown path,
 * and `405` with `Allow` for a known path asked with another method, instead of API Gateway's own
 * `{"message":"Not Found"}`. It touches nothing but its logs; it learns the routes from
 * `HTTP_ROUTE_KEYS` ({@link httpRouteKeys}), as functions may not import this module.
 */
export const httpDefaultRoute = {
  routeKey: '$default',
  function: fn('NotFound', 'http/not-found', ['routeTable'], { memorySize: 128, timeoutSeconds: 3 }),
} as const satisfies { routeKey: string; function: FunctionSpec };

/** The value of `HTTP_ROUTE_KEYS`: every route key of {@link httpRoutes}, comma-separated. */
export function httpRouteKeys(): string {
  return httpRoutes.map((route) => `${route.method} ${route.path}`).join(',');
}
