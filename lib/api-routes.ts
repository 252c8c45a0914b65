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
  /** Reading and writing the connections table. */
  | 'connections'
  /** `execute-api:ManageConnections` on the WebSocket API. */
  | 'manageConnections';

/** The environment variables each kind of access brings; a function gets only those it needs. */
export const accessEnvironment: Record<Access, readonly EnvName[]> = {
  database: [ENV.databaseClusterArn, ENV.databaseSecretArn, ENV.databaseName],
  connections: [ENV.connectionsTable, ENV.connectionTtlSeconds],
  manageConnections: [ENV.connectionsEndpoint],
};

/** Every function's environment variable names, its access aside. */
export const commonEnvironment: readonly EnvName[] = [ENV.serviceName, ENV.logLevel];

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

/** Name of the WebSocket API stage; it matches CloudFront's `/ws` path with no rewriting. */
export const webSocketStageName = 'ws';

const health: FunctionSpec = { id: 'Health', entry: 'http/health', access: ['database', 'connections'] };
const wsConnect: FunctionSpec = { id: 'WsConnect', entry: 'ws/connect', access: ['connections'] };
const wsDisconnect: FunctionSpec = { id: 'WsDisconnect', entry: 'ws/disconnect', access: ['connections'] };
const wsPing: FunctionSpec = { id: 'WsPing', entry: 'ws/ping', access: ['manageConnections'] };
const wsDefault: FunctionSpec = { id: 'WsDefault', entry: 'ws/default', access: ['manageConnections'] };

export const httpRoutes: readonly HttpRoute[] = [{ method: 'GET', path: '/api/health', function: health }];

export const webSocketRoutes: readonly WebSocketRoute[] = [
  { routeKey: '$connect', function: wsConnect },
  { routeKey: '$disconnect', function: wsDisconnect },
  { routeKey: 'ping', function: wsPing },
  { routeKey: '$default', function: wsDefault },
];

/** The custom resource that applies `migrations/*.sql` on every deploy. */
export const migrateFunction: FunctionSpec = {
  id: 'Migrate',
  entry: 'custom-resource/migrate',
  access: ['database'],
  timeoutSeconds: 600,
};
