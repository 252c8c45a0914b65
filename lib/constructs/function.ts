import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Validations } from 'aws-cdk-lib';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  type IFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  Tracing,
} from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { DatabaseCluster } from 'aws-cdk-lib/aws-rds';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV, type EnvName } from '../../functions/shared/env.ts';
import { imagesPrefix } from '../../functions/shared/media.ts';
import { type Access, environmentNames, type FunctionSpec, httpRouteKeys } from '../api-routes.ts';
import type { LogLevel } from '../config.ts';
import { expiringLogGroup } from './common.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** The repository root: NodejsFunction's project root, and where `functions/handlers/` lives. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The DynamoDB actions `connections` access needs: exactly the calls the connections and rate-limit
 * adapters make (GetItem, PutItem, DeleteItem, Query on the table and its indexes, BatchWriteItem), and
 * not what `grantReadWriteData` adds besides (Scan, UpdateItem, BatchGetItem, streams...).
 */
const connectionsTableActions = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:BatchWriteItem',
] as const;

/**
 * Lets an ESM bundle `require()` Node built-ins: the AWS SDK's CommonJS code does, and esbuild's ESM
 * output otherwise dies at cold start with "Dynamic require of node:https is not supported".
 */
const esmRequireBanner =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The Aurora cluster a function with `database` access talks to through the Data API. */
export interface DatabaseTarget {
  readonly cluster: DatabaseCluster;
  readonly databaseName: string;
}

/** The WebSocket API stage a function with `manageConnections` access pushes frames through. */
export interface ConnectionsTarget {
  /** `https://` URL of the stage, for the `@connections` management API. */
  readonly callbackUrl: string;
  grantManageConnections(grantee: IGrantable): Grant;
}

/** The issuer whose access tokens a function with `auth` access accepts. No IAM: the keys are public. */
export interface AuthTarget {
  /** The tokens' `iss`. */
  readonly issuer: string;
  /** The app client the tokens must name. */
  readonly clientId: string;
  /** The issuer's signing keys. */
  readonly jwksUrl: string;
}

/**
 * The S3 actions `media` access needs on `images/*`: presigning a POST (the upload is authorized as the
 * function's role, and its policy sets the object's tag) and the calls the image adapter makes: a ranged
 * GetObject and PutObjectTagging. Nothing on other keys, and no bucket-level action.
 */
const mediaObjectActions = ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject'] as const;

/** The media bucket a function with `media` access presigns uploads to and reads images from. */
export interface MediaTarget {
  readonly bucket: IBucket;
  /** Largest image upload in bytes. */
  readonly maxUploadBytes: number;
}

/** What a function may be given access to; only what its spec names is used. */
export interface FunctionResources {
  /** Required when the spec has `database` access. */
  readonly database?: DatabaseTarget;
  /** Required when the spec has `connections` access. */
  readonly connectionsTable?: ITableV2;
  /** Required when the spec has `manageConnections` access. */
  readonly webSocket?: ConnectionsTarget;
  /** Required when the spec has `auth` access. */
  readonly identity?: AuthTarget;
  /** The fan-out function; required when the spec has `fanOut` access. */
  readonly fanOut?: IFunction;
  /** Required when the spec has `media` access. */
  readonly media?: MediaTarget;
}

/** How Lambda treats the events of a function invoked asynchronously (`InvocationType: 'Event'`). */
export interface AsyncInvocationOptions {
  /**
   * Retries after a failed attempt (0-2).
   * @default 2
   */
  readonly retryAttempts?: number;
  /**
   * Age after which Lambda gives up on an event instead of (re)trying it.
   * @default Duration.minutes(5)
   */
  readonly maxEventAge?: Duration;
}

/** Props of {@link HirobaFunction}. */
export interface HirobaFunctionProps {
  /** Which handler to deploy, and what it may touch. */
  readonly spec: FunctionSpec;
  /** The resources behind the spec's access. */
  readonly resources: FunctionResources;
  /**
   * Log level for Powertools and for Lambda's application log filter.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * How long the function's log group keeps events.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Concurrent executions reserved for this function: kept for it whatever the others do, and its
   * ceiling too. Lambda refuses a reservation that leaves the account fewer than 100 unreserved.
   * @default - none: the function shares the account's unreserved pool
   */
  readonly reservedConcurrency?: number;
  /**
   * Seconds a connection record lives (for `connections` access).
   * @default 7200
   */
  readonly connectionTtlSeconds?: number;
  /**
   * Powertools service name shown in every log line.
   * @default 'hiroba'
   */
  readonly serviceName?: string;
  /**
   * Shell commands run after esbuild, e.g. to copy files next to the bundle.
   * @default - none
   */
  readonly afterBundling?: (inputDir: string, outputDir: string) => string[];
  /**
   * Set for a function invoked asynchronously: Lambda retries a failed event, gives up on one too old,
   * and sends every event it gives up on to {@link HirobaFunction.failedEvents}.
   * @default - invoked synchronously only (API Gateway, CloudFormation): the caller sees every failure
   */
  readonly asyncInvocation?: AsyncInvocationOptions;
}

/**
 * A hiroba Lambda function with the house defaults: Node.js 24 on arm64, a minified ESM bundle (AWS SDK
 * included) with source maps, its own log group in JSON format, explicit memory and timeout, and exactly
 * the permissions and environment variables its {@link FunctionSpec} declares.
 */
export class HirobaFunction extends Construct {
  /** The Lambda function. */
  public readonly function: NodejsFunction;
  /** The function's own log group. */
  public readonly logGroup: LogGroup;
  /**
   * The function's execution role: log writing, tracing and the spec's access (plus sending to
   * {@link HirobaFunction.failedEvents} when there is one), nothing else.
   */
  public readonly role: Role;
  /**
   * Where the asynchronous events Lambda gave up on are kept for inspection (14 days), each with its
   * payload and the error; undefined for a function invoked synchronously.
   */
  public readonly failedEvents: Queue | undefined;

  constructor(scope: Construct, id: string, props: HirobaFunctionProps) {
    super(scope, id);
    const { spec, resources } = props;
    const logLevel = props.logLevel ?? 'INFO';

    this.logGroup = expiringLogGroup(this, 'LogGroup', props.logRetention);
    // An explicit role instead of the default AWSLambdaBasicExecutionRole, which may write to any log group.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the hiroba ${spec.entry} function`,
    });
    this.logGroup.grantWrite(this.role);

    const afterBundling = props.afterBundling;
    this.function = new NodejsFunction(this, 'Handler', {
      entry: path.join(projectRoot, 'functions', 'handlers', `${spec.entry}.ts`),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      description: `hiroba ${spec.entry}`,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      memorySize: spec.memorySize ?? 256,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 10),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel[logLevel],
      systemLogLevelV2: SystemLogLevel.INFO,
      tracing: Tracing.ACTIVE,
      environment: {
        ...this.environment(spec, resources, props),
        // Stack traces point into the TypeScript sources through the bundle's source map.
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node24',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // The SDK's ESM builds tree-shake far better than its CommonJS ones.
        mainFields: ['module', 'main'],
        banner: esmRequireBanner,
        // Bundle the SDK: the version we test with is the one we run, and `module` resolution pays off.
        bundleAwsSDK: true,
        forceDockerBundling: false,
        ...(afterBundling && {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling,
          },
        }),
      },
    });

    for (const access of new Set(spec.access)) this.grant(spec, access, resources);

    this.failedEvents = props.asyncInvocation && this.keepFailedEvents(props.asyncInvocation);
    if (!this.failedEvents) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason:
          'This function is only invoked synchronously (API Gateway, the custom resource provider): the ' +
          'caller sees every failure, and a dead-letter queue would never receive an event.',
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement (xray:PutTraceSegments, xray:PutTelemetryRecords) uses "*": X-Ray has no ' +
        'resource-level permissions. Every other statement names its resource.',
    });
  }

  private environment(
    spec: FunctionSpec,
    resources: FunctionResources,
    props: HirobaFunctionProps,
  ): Record<string, string> {
    const need = <T>(resource: T | undefined, what: string) => this.need(spec, resource, what);
    // One entry per name, checked exhaustively by the type: adding a name to ENV fails here until it has a value.
    const values: Record<EnvName, () => string> = {
      [ENV.databaseClusterArn]: () => need(resources.database, 'a database').cluster.clusterArn,
      [ENV.databaseSecretArn]: () =>
        need(need(resources.database, 'a database').cluster.secret, 'a database secret').secretArn,
      [ENV.databaseName]: () => need(resources.database, 'a database').databaseName,
      [ENV.connectionsTable]: () => need(resources.connectionsTable, 'the connections table').tableName,
      [ENV.connectionTtlSeconds]: () => String(props.connectionTtlSeconds ?? 7200),
      [ENV.connectionsEndpoint]: () => need(resources.webSocket, 'the WebSocket API').callbackUrl,
      [ENV.authIssuer]: () => need(resources.identity, 'an issuer').issuer,
      [ENV.authClientId]: () => need(resources.identity, 'an issuer').clientId,
      [ENV.authJwksUrl]: () => need(resources.identity, 'an issuer').jwksUrl,
      [ENV.fanOutFunction]: () => need(resources.fanOut, 'the fan-out function').functionName,
      [ENV.mediaBucket]: () => need(resources.media, 'the media bucket').bucket.bucketName,
      [ENV.maxUploadBytes]: () => String(need(resources.media, 'the media bucket').maxUploadBytes),
      [ENV.httpRouteKeys]: () => httpRouteKeys(),
      [ENV.serviceName]: () => props.serviceName ?? 'hiroba',
      [ENV.logLevel]: () => props.logLevel ?? 'INFO',
    };
    return Object.fromEntries(environmentNames(spec).map((name) => [name, values[name]()]));
  }

  /** The resource behind a declared access, or an error naming the function and what it lacks. */
  private need<T>(spec: FunctionSpec, resource: T | undefined, what: string): T {
    if (resource === undefined) {
      throw new Error(`${this.node.path}: function ${spec.id} needs ${what} for its declared access`);
    }
    return resource;
  }

  private grant(spec: FunctionSpec, access: Access, resources: FunctionResources): void {
    switch (access) {
      case 'database': {
        // The Data API's statement and transaction actions on this cluster only, and reading its secret.
        this.need(spec, resources.database, 'a database').cluster.grantDataApiAccess(this.function);
        return;
      }
      case 'connections': {
        const table = this.need(spec, resources.connectionsTable, 'the connections table');
        table.grant(this.function, ...connectionsTableActions);
        acknowledgeWildcardResource(
          this.role,
          `${table.tableArn}/index/*`,
          "The grant covers the table's own indexes (byConnection, which a connection's cleanup queries, " +
            "and byUser, which counts a user's connections); the wildcard stays inside this table.",
        );
        return;
      }
      case 'manageConnections': {
        this.need(spec, resources.webSocket, 'the WebSocket API').grantManageConnections(this.function);
        return;
      }
      case 'auth': {
        // Token verification reads the issuer's public keys over HTTPS: nothing to grant.
        this.need(spec, resources.identity, 'an issuer');
        return;
      }
      case 'fanOut': {
        // The unqualified ARN alone: callers invoke it by name ($LATEST). grantInvoke would add `<arn>:*`,
        // every version and alias.
        Grant.addToPrincipal({
          grantee: this.function,
          actions: ['lambda:InvokeFunction'],
          resourceArns: [this.need(spec, resources.fanOut, 'the fan-out function').functionArn],
        });
        return;
      }
      case 'media': {
        const bucket = this.need(spec, resources.media, 'the media bucket').bucket;
        const images = bucket.arnForObjects(`${imagesPrefix}*`);
        Grant.addToPrincipal({
          grantee: this.function,
          actions: [...mediaObjectActions],
          resourceArns: [images],
        });
        acknowledgeWildcardResource(
          this.role,
          images,
          'Uploads get a fresh key under images/ each (images/<uuid>.<ext>): the wildcard is that prefix ' +
            'of the media bucket, and the actions are only those the upload and image adapters call.',
        );
        return;
      }
      case 'routeTable': {
        // The route keys are in the function's environment: nothing to grant.
        return;
      }
      default: {
        const unknown: never = access;
        throw new Error(`${this.node.path}: unknown access ${String(unknown)}`);
      }
    }
  }

  /** Retries, an age limit, and an encrypted queue keeping what Lambda gives up on. */
  private keepFailedEvents(options: AsyncInvocationOptions): Queue {
    const queue = new Queue(this, 'FailedEvents', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.function.configureAsyncInvoke({
      retryAttempts: options.retryAttempts ?? 2,
      maxEventAge: options.maxEventAge ?? Duration.minutes(5),
      onFailure: new SqsDestination(queue),
    });
    Validations.of(this.function).acknowledge({
      id: 'Serverless-LambdaDLQ',
      reason:
        'Failed asynchronous events go to the on-failure destination of the EventInvokeConfig (the ' +
        'FailedEvents queue) rather than a DeadLetterConfig: its records carry the error and the attempt ' +
        'count with the payload, and configuring both would keep every failed event twice.',
    });
    const reason =
      "This queue is the function's on-failure destination, the dead-letter store itself; nothing consumes " +
      'it, so it needs no dead-letter queue or redrive policy of its own.';
    Validations.of(queue).acknowledge({ id: 'AwsSolutions-SQS3', reason });
    Validations.of(queue).acknowledge({ id: 'Serverless-SQSRedrivePolicy', reason });
    return queue;
  }
}
