import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { createDataApi } from '#adapters/data-api';
import { dataApiMigrationStore } from '#adapters/data-api-migration-store';
import { readMigrations } from '#adapters/migration-files';
import { makeApplyMigrations } from '#domain/migrations/apply-migrations';
import { ENV } from '#shared/env';
import {
  environmentNames,
  type FunctionSpec,
  fanOutFunction,
  httpDefaultRoute,
  httpRouteKeys,
  httpRoutes,
  webSocketAuthorizer,
  webSocketRouteSelectionExpression,
  webSocketRoutes,
  webSocketStageName,
} from '../lib/api-routes.ts';
import { type DataApiEmulator, startDataApi } from './data-api/server.ts';
import { createTablesFromTemplate, startDynamoDb } from './dynamodb.ts';
import { startEdge } from './edge.ts';
import { startHttpApi } from './http-api.ts';
import { startLambdaApi } from './lambda-api.ts';
import { createLambdaRuntime, localFunctionName } from './lambda-runtime.ts';
import { createLocalIssuer, type LocalIssuer, localTokenPath } from './oidc/issuer.ts';
import { startPostgres } from './postgres.ts';
import { startS3 } from './s3/server.ts';
import { type CloudFormationTemplate, localStackFacts, synthesizeTemplate } from './template.ts';
import { startWebSocketApi } from './websocket-api.ts';

/** Fixed identities of local AWS; nothing checks them but the emulators themselves. */
export const localAccount = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
  clusterArn: 'arn:aws:rds:us-east-1:000000000000:cluster:hiroba-local',
  secretArn: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:hiroba-local-db',
  database: 'hiroba',
  mediaBucket: 'hiroba-media-local',
} as const;

/** Options of {@link startLocalAws}. */
export interface LocalAwsOptions {
  /** Where PostgreSQL, DynamoDB and S3 keep their state. */
  stateDir: string;
  /** The edge's port; 0 picks a free one. */
  port: number;
  /** Directory of the built web app the edge serves. */
  webRoot: string;
  /** Data API statement timeout, 45 s as in AWS unless a test wants it short. */
  statementTimeoutMs?: number;
  /** WebSocket idle timeout. @default 600_000 (10 minutes, as in AWS) */
  idleTimeoutMs?: number;
  /** WebSocket maximum connection duration. @default 7_200_000 (2 hours, as in AWS) */
  maxConnectionMs?: number;
  /** Powertools log level of the functions. */
  logLevel?: string;
  /** The stack's synthesized template; synthesized afresh (a few seconds) when absent. */
  template?: CloudFormationTemplate;
  /** Waits before retrying a failed asynchronous invocation (about 1 and 2 minutes in AWS). @default [1_000, 2_000] */
  asyncRetryDelaysMs?: readonly [number, number];
}

/** Every endpoint local AWS serves. */
export interface LocalAwsEndpoints {
  /** The CloudFront-like edge: the one origin browsers and clients use. */
  edge: string;
  dataApi: string;
  dynamoDb: string;
  s3: string;
  httpApi: string;
  webSocket: string;
  management: string;
  /** The Lambda Invoke API (`AWS_ENDPOINT_URL_LAMBDA`), for functions invoked by name. */
  lambda: string;
}

/** The local OIDC issuer, as the functions and the web app are configured with it. */
export interface LocalAuth {
  /** `<edge>/local/oidc`: the tokens' `iss`, and where discovery lives. */
  issuer: string;
  /** The web app's client id, `hiroba-local` (the tokens' `aud`). */
  clientId: string;
  jwksUri: string;
}

/** Running local AWS, as {@link startLocalAws} returns it. */
export interface LocalAws {
  endpoints: LocalAwsEndpoints;
  /** The Data API emulator, whose `pauseFor` plays Aurora resuming from 0 ACU. */
  dataApi: DataApiEmulator;
  /** The connections table's local name. */
  connectionsTable: string;
  auth: LocalAuth;
  /**
   * An access token for `username` (created on first use) in `groups`, from `POST /local/token`
   * through the edge, as a test or a tool would get one.
   */
  tokenFor(username: string, groups?: readonly string[]): Promise<string>;
  /** Stops everything, in reverse order of starting. */
  stop(): Promise<void>;
}

/**
 * Starts local AWS: PostgreSQL behind the Data API emulator, DynamoDB with the stack's tables, S3, the
 * functions behind the HTTP and WebSocket API emulators, and the edge in front. Migrations are applied
 * through the Data API by the runner the stack's custom resource uses.
 */
export async function startLocalAws(options: LocalAwsOptions): Promise<LocalAws> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
  };
  try {
    await mkdir(options.stateDir, { recursive: true });
    const { region, credentials } = localAccount;
    const template = options.template ?? (await synthesizeTemplate());
    const facts = localStackFacts(template);

    const postgres = await startPostgres({ dataDir: join(options.stateDir, 'postgres') });
    stops.push(postgres.stop);
    await postgres.ensureDatabase(localAccount.database);

    const dataApi = await startDataApi({
      postgres,
      clusterArn: localAccount.clusterArn,
      secretArn: localAccount.secretArn,
      defaultDatabase: localAccount.database,
      statementTimeoutMs: options.statementTimeoutMs,
    });
    stops.push(dataApi.stop);

    const dynamoDb = await startDynamoDb({ dataDir: join(options.stateDir, 'dynamodb') });
    stops.push(dynamoDb.stop);
    const tables = await createTablesFromTemplate(dynamoDb.url, template);
    const connectionsTable = facts.connectionsTableLogicalId;
    if (!tables.includes(connectionsTable)) throw new Error(`Table ${connectionsTable} was not created`);

    const s3 = await startS3({
      buckets: [{ name: localAccount.mediaBucket }],
      dataDir: join(options.stateDir, 's3'),
      region,
      credentials,
    });
    stops.push(s3.stop);

    await applyMigrations(dataApi.url);

    // The Lambda API's URL and the management endpoint are only known once those APIs listen, and the
    // issuer once the edge does; the functions need them all. Environments are computed on each cold
    // start, by then they are set.
    let lambdaUrl = '';
    const values: Record<string, string> = {
      [ENV.databaseClusterArn]: localAccount.clusterArn,
      [ENV.databaseSecretArn]: localAccount.secretArn,
      [ENV.databaseName]: localAccount.database,
      [ENV.connectionsTable]: connectionsTable,
      [ENV.connectionTtlSeconds]: String(facts.connectionTtlSeconds),
      [ENV.serviceName]: 'hiroba',
      [ENV.logLevel]: options.logLevel ?? 'INFO',
      [ENV.fanOutFunction]: localFunctionName(fanOutFunction),
      [ENV.mediaBucket]: localAccount.mediaBucket,
      [ENV.maxUploadBytes]: String(facts.maxUploadBytes),
      [ENV.httpRouteKeys]: httpRouteKeys(),
    };
    const runtime = createLambdaRuntime({
      environment: (fn: FunctionSpec) => ({
        AWS_REGION: region,
        AWS_DEFAULT_REGION: region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_ENDPOINT_URL_RDS_DATA: dataApi.url,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.url,
        AWS_ENDPOINT_URL_S3: s3.url,
        ...(fn.access.includes('fanOut') && { AWS_ENDPOINT_URL_LAMBDA: lambdaUrl }),
        ...Object.fromEntries(environmentNames(fn).map((name) => [name, values[name] ?? ''])),
      }),
    });
    stops.push(runtime.stop);

    // Every function another invokes by name; today only the fan-out.
    const lambdaApi = await startLambdaApi({
      runtime,
      functions: [fanOutFunction],
      names: localFunctionName,
      region,
      retryDelaysMs: options.asyncRetryDelaysMs,
    });
    stops.push(lambdaApi.stop);
    lambdaUrl = lambdaApi.url;

    const webSocketApi = await startWebSocketApi({
      routes: webSocketRoutes,
      runtime,
      stageName: webSocketStageName,
      routeSelectionExpression: webSocketRouteSelectionExpression,
      idleTimeoutMs: options.idleTimeoutMs,
      maxConnectionMs: options.maxConnectionMs,
      authorizer: webSocketAuthorizer,
      region,
      throttle: facts.webSocketThrottle,
    });
    stops.push(webSocketApi.stop);
    values[ENV.connectionsEndpoint] = webSocketApi.managementUrl;

    const httpApi = await startHttpApi({
      routes: httpRoutes,
      defaultRoute: httpDefaultRoute,
      runtime,
      throttle: facts.httpThrottle,
    });
    stops.push(httpApi.stop);

    // The issuer's identifier is the edge's origin plus `/local/oidc`, known once the edge listens;
    // until the issuer exists (the next few milliseconds) `/local/*` answers 404.
    let issuer: LocalIssuer | undefined;
    const edge = await startEdge({
      port: options.port,
      httpApiUrl: httpApi.url,
      webSocketUrl: webSocketApi.url,
      media: { s3Url: s3.url, bucket: localAccount.mediaBucket, region, credentials },
      webRoot: options.webRoot,
      webConfig: () => issuer?.webConfig,
      local: async (req, res) => (issuer ? issuer.handle(req, res) : false),
    });
    stops.push(edge.stop);
    // The stack allows uploads from the distribution's origin; locally, the edge's.
    s3.setCors(
      localAccount.mediaBucket,
      facts.mediaCorsRules.map((rule) => ({ ...rule, AllowedOrigins: [edge.url] })),
    );
    issuer = await createLocalIssuer({ origin: edge.url, stateDir: options.stateDir });
    values[ENV.authIssuer] = issuer.issuer;
    values[ENV.authClientId] = issuer.clientId;
    values[ENV.authJwksUrl] = issuer.jwksUri;

    return {
      endpoints: {
        edge: edge.url,
        dataApi: dataApi.url,
        dynamoDb: dynamoDb.url,
        s3: s3.url,
        httpApi: httpApi.url,
        webSocket: webSocketApi.url,
        management: webSocketApi.managementUrl,
        lambda: lambdaApi.url,
      },
      dataApi,
      connectionsTable,
      auth: { issuer: issuer.issuer, clientId: issuer.clientId, jwksUri: issuer.jwksUri },
      tokenFor: (username, groups) => tokenFor(edge.url, username, groups),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function tokenFor(edgeUrl: string, username: string, groups?: readonly string[]): Promise<string> {
  const response = await fetch(`${edgeUrl}${localTokenPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, ...(groups && { groups }) }),
  });
  const body = (await response.json()) as { accessToken?: string; error?: { message?: string } };
  if (!response.ok || !body.accessToken) {
    throw new Error(`${localTokenPath} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body.accessToken;
}

async function applyMigrations(endpoint: string) {
  const client = new RDSDataClient({
    endpoint,
    region: localAccount.region,
    credentials: localAccount.credentials,
  });
  const db = createDataApi({
    clusterArn: localAccount.clusterArn,
    secretArn: localAccount.secretArn,
    database: localAccount.database,
    client,
  });
  try {
    const migrations = await readMigrations(new URL('../migrations/', import.meta.url));
    await makeApplyMigrations({ store: dataApiMigrationStore(db) })(migrations);
  } finally {
    client.destroy();
  }
}
