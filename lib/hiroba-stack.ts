import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import {
  fanOutFunction,
  httpDefaultRoute,
  httpRoutes,
  routeFunctions,
  webSocketAuthorizer,
  webSocketRoutes,
} from './api-routes.ts';
import { type DatabaseRemovalPolicy, type HirobaConfig, readConfig } from './config.ts';
import { ConnectionsTable } from './constructs/connections-table.ts';
import { HirobaDatabase } from './constructs/database.ts';
import { type FunctionResources, HirobaFunction } from './constructs/function.ts';
import { HirobaHttpApi } from './constructs/http-api.ts';
import { Identity } from './constructs/identity.ts';
import { Media } from './constructs/media.ts';
import { Migrations } from './constructs/migrations.ts';
import { Observability } from './constructs/observability.ts';
import { Web } from './constructs/web.ts';
import { HirobaWebSocketApi } from './constructs/websocket-api.ts';

/** Props of {@link HirobaStack}. */
export interface HirobaStackProps extends StackProps {
  /**
   * The deployment settings.
   * @default - read and validated from CDK context
   */
  readonly config?: HirobaConfig;
}

const removalPolicies: Record<DatabaseRemovalPolicy, RemovalPolicy> = {
  snapshot: RemovalPolicy.SNAPSHOT,
  retain: RemovalPolicy.RETAIN,
  destroy: RemovalPolicy.DESTROY,
};

/** hiroba in one stack: it only wires the constructs in `lib/constructs/` together. */
export class HirobaStack extends Stack {
  /** The settings the stack was built with. */
  public readonly config: HirobaConfig;

  constructor(scope: Construct, id: string, props: HirobaStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? readConfig(this.node);
    this.config = config;

    const database = new HirobaDatabase(this, 'Database', {
      minCapacity: config.minCapacity,
      maxCapacity: config.maxCapacity,
      backupRetentionDays: config.backupRetentionDays,
      deletionProtection: config.deletionProtection,
      removalPolicy: removalPolicies[config.databaseRemovalPolicy],
      logRetention: config.logRetentionDays,
    });
    const connections = new ConnectionsTable(this, 'ConnectionsTable', {
      deletionProtection: config.deletionProtection,
    });
    const webSocketApi = new HirobaWebSocketApi(this, 'WebSocketApi', {
      throttleRateLimit: config.webSocketThrottleRateLimit,
      throttleBurstLimit: config.webSocketThrottleBurstLimit,
      logRetention: config.logRetentionDays,
    });

    const identity = new Identity(this, 'Identity', {
      selfSignUp: config.selfSignUp,
      threatProtection: config.threatProtection,
      deletionProtection: config.deletionProtection,
    });

    // Named from the stack's id, so it exists before the functions and the distribution that use it.
    const media = new Media(this, 'Media', { maxUploadBytes: config.maxUploadBytes });

    const functionDefaults = {
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
      connectionTtlSeconds: config.connectionTtlSeconds,
    };
    const shared: FunctionResources = {
      database,
      connectionsTable: connections.table,
      webSocket: webSocketApi,
      identity,
      media: { bucket: media.bucket, maxUploadBytes: media.maxUploadBytes },
    };
    // Invoked only asynchronously, by the functions that store messages: created first, so they can name
    // it. A delivery still failing after 5 minutes is stale: its recipients catch up with `after=`.
    const fanOut = new HirobaFunction(this, `${fanOutFunction.id}Function`, {
      spec: fanOutFunction,
      resources: shared,
      asyncInvocation: { retryAttempts: 2, maxEventAge: Duration.minutes(5) },
      // Its own share of the account's concurrency: a flood of route invocations cannot take it.
      reservedConcurrency: config.fanOutReservedConcurrency,
      ...functionDefaults,
    });
    const resources: FunctionResources = { ...shared, fanOut: fanOut.function };
    const functions = new Map<string, HirobaFunction>();
    for (const spec of [...routeFunctions(), webSocketAuthorizer.function]) {
      functions.set(
        spec.id,
        new HirobaFunction(this, `${spec.id}Function`, { spec, resources, ...functionDefaults }),
      );
    }
    const functionFor = (specId: string) => {
      const fn = functions.get(specId);
      if (!fn) throw new Error(`No function for spec ${specId}`);
      return fn.function;
    };

    const httpApi = new HirobaHttpApi(this, 'HttpApi', {
      routes: httpRoutes,
      defaultRoute: httpDefaultRoute,
      functionFor,
      throttleRateLimit: config.httpThrottleRateLimit,
      throttleBurstLimit: config.httpThrottleBurstLimit,
      logRetention: config.logRetentionDays,
    });
    const connectAuthorizer = {
      function: functionFor(webSocketAuthorizer.function.id),
      identitySource: webSocketAuthorizer.identitySource,
    };
    for (const route of webSocketRoutes) {
      const authorizer = route.routeKey === '$connect' ? connectAuthorizer : undefined;
      webSocketApi.addRoute(route.routeKey, functionFor(route.function.id), authorizer);
    }

    const web = new Web(this, 'Web', {
      httpApiId: httpApi.api.apiId,
      webSocketApiId: webSocketApi.api.apiId,
      media,
      appConfig: { auth: identity.webAuthConfig },
      authOrigin: identity.baseUrl,
      domainName: config.domainName,
      certificateArn: config.certificateArn,
      logRetention: config.logRetentionDays,
    });
    media.serveThrough(web.distribution, web.origins);
    identity.addAppOrigins(web.origins);

    const migrations = new Migrations(this, 'Migrations', {
      database,
      logLevel: config.logLevel,
      logRetention: config.logRetentionDays,
    });

    new Observability(this, 'Observability', {
      functions: [...functions.values(), fanOut, migrations.function],
      httpApi,
      webSocketApi,
      connectionsTable: connections.table,
      cluster: database.cluster,
      alarmEmail: config.alarmEmail,
    });

    const output = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description });
    output(
      'DistributionUrl',
      `https://${web.distribution.distributionDomainName}`,
      'CloudFront distribution URL',
    );
    output('AppOrigin', web.origin, 'The origin users open (custom domain if configured)');
    output('HttpApiId', httpApi.api.apiId, 'HTTP API id (served under /api/*)');
    output('WebSocketApiId', webSocketApi.api.apiId, 'WebSocket API id (served at /ws)');
    output('ConnectionsTableName', connections.table.tableName, 'DynamoDB table of WebSocket connections');
    output('MediaBucketName', media.bucket.bucketName, 'S3 bucket of uploaded images');
    output('WebBucketName', web.bucket.bucketName, 'S3 bucket of the built web app');
    output('DatabaseClusterArn', database.cluster.clusterArn, 'Aurora cluster (Data API resource ARN)');
    const secret = database.cluster.secret;
    if (secret) output('DatabaseSecretArn', secret.secretArn, 'Secret the Data API uses for the cluster');
    output('UserPoolId', identity.userPool.userPoolId, 'Cognito user pool (add admins to its admin group)');
    output('WebClientId', identity.clientId, "The web app's public Cognito app client");
    output('AuthIssuer', identity.issuer, 'Issuer of the access tokens the APIs accept');
    output('SignInBaseUrl', identity.baseUrl, 'Managed login and OAuth endpoints of the user pool');
    if (fanOut.failedEvents) {
      output(
        'FanOutFailedEventsQueueUrl',
        fanOut.failedEvents.queueUrl,
        'Deliveries the fan-out function gave up on, kept 14 days for inspection',
      );
    }
  }
}
