import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat, CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { LogGroupLogDestination, WebSocketApi, WebSocketStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { WebSocketLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Grant, type IGrantable, ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { webSocketRouteSelectionExpression, webSocketStageName } from '../api-routes.ts';
import { expiringLogGroup } from './common.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/**
 * One JSON object per event. The token travels in the `$connect` query string, which no `$context`
 * variable below contains, and no header is logged.
 */
const webSocketAccessLogFormat: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  eventType: '$context.eventType',
  routeKey: '$context.routeKey',
  connectionId: '$context.connectionId',
  messageId: '$context.messageId',
  status: '$context.status',
  integrationLatency: '$context.integrationLatency',
  error: '$context.error.message',
  errorType: '$context.error.responseType',
};

/** The `@connections` methods hiroba's functions use: push a frame (POST) and close a connection (DELETE). */
const manageConnectionsMethods = ['POST', 'DELETE'] as const;

/** A Lambda REQUEST authorizer for the `$connect` route. */
export interface ConnectAuthorizer {
  /** The function that decides whether a handshake may open a connection. */
  readonly function: IFunction;
  /**
   * Where the credential is, e.g. `route.request.querystring.token`: API Gateway refuses a handshake
   * without it (401) before invoking anything.
   */
  readonly identitySource: string;
}

/** Props of {@link HirobaWebSocketApi}. */
export interface HirobaWebSocketApiProps {
  /**
   * Stage throttling: steady messages per second.
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Stage throttling: burst of messages.
   * @default 100
   */
  readonly throttleBurstLimit?: number;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * The WebSocket API behind CloudFront's `/ws`: routes selected by the frame's `type`, a stage named `ws`
 * (so CloudFront's path needs no rewriting), stage throttling and JSON access logs.
 *
 * Routes are added after the functions exist ({@link HirobaWebSocketApi.addRoute}), because the functions
 * that push frames need this API's callback URL first.
 */
export class HirobaWebSocketApi extends Construct {
  /** The WebSocket API. */
  public readonly api: WebSocketApi;
  /** The auto-deployed `ws` stage. */
  public readonly stage: WebSocketStage;
  /** Where the stage writes its access logs. */
  public readonly accessLogGroup: LogGroup;
  /** `execute-api:ManageConnections` resources: this stage's `@connections`, for the methods hiroba uses. */
  private readonly manageConnectionsArns: string[];

  constructor(scope: Construct, id: string, props: HirobaWebSocketApiProps = {}) {
    super(scope, id);
    this.api = new WebSocketApi(this, 'Api', {
      description: 'hiroba WebSocket API, served at /ws by CloudFront',
      routeSelectionExpression: webSocketRouteSelectionExpression,
    });
    this.accessLogGroup = expiringLogGroup(this, 'AccessLogs', props.logRetention);
    this.stage = new WebSocketStage(this, 'Stage', {
      webSocketApi: this.api,
      stageName: webSocketStageName,
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(webSocketAccessLogFormat)),
      },
    });
    this.stage.node.addDependency(this.apiGatewayLoggingRole());

    this.manageConnectionsArns = manageConnectionsMethods.map((method) =>
      Stack.of(this).formatArn({
        service: 'execute-api',
        resource: this.api.apiId,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        resourceName: `${webSocketStageName}/${method}/@connections/*`,
      }),
    );
  }

  /** `https://` URL of the stage for the `@connections` management API (the functions' `CONNECTIONS_ENDPOINT`). */
  public get callbackUrl(): string {
    return this.stage.callbackUrl;
  }

  /** Lets `grantee` push to, read and close this stage's connections, and nothing else. */
  public grantManageConnections(grantee: IGrantable): Grant {
    const grant = Grant.addToPrincipal({
      grantee,
      actions: ['execute-api:ManageConnections'],
      resourceArns: this.manageConnectionsArns,
    });
    const principal = grantee.grantPrincipal;
    if (principal instanceof Construct) {
      for (const arn of this.manageConnectionsArns) {
        acknowledgeWildcardResource(
          principal,
          arn,
          "Connection ids are only known at run time: the wildcard is the connection id under this API's " +
            `${webSocketStageName} stage @connections path, for one method.`,
        );
      }
    }
    return grant;
  }

  /**
   * Routes frames whose route key is `routeKey` (`$connect`, `$disconnect`, `$default` or a `type`) to `fn`.
   * Only `$connect` takes an `authorizer`: API Gateway authorizes the handshake, not the frames.
   */
  public addRoute(routeKey: string, fn: IFunction, authorizer?: ConnectAuthorizer): void {
    const name = routeKey.replace(/^\$/, '');
    const route = this.api.addRoute(routeKey, {
      integration: new WebSocketLambdaIntegration(`${name}Integration`, fn),
      ...(authorizer && {
        authorizer: new WebSocketLambdaAuthorizer(`${name}Authorizer`, authorizer.function, {
          identitySource: [authorizer.identitySource],
        }),
      }),
    });
    // A $connect route without an authorizer stays a finding: it is the one route that can have one.
    if (routeKey === '$connect') return;
    Validations.of(route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        `API Gateway authorizes WebSocket APIs on $connect only: frames on the ${routeKey} route arrive on a ` +
        'connection the $connect authorizer admitted, and the handler acts as the user recorded for it.',
    });
  }

  /**
   * WebSocket stages, unlike HTTP API stages, log through the account's API Gateway CloudWatch role, and
   * refuse to deploy with logging on until it is set. The setting is per account and region; the role
   * is retained so other APIs that rely on it keep logging after this stack is gone.
   */
  private apiGatewayLoggingRole(): CfnAccount {
    const role = new Role(this, 'ApiGatewayLoggingRole', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets API Gateway write WebSocket and REST API logs to CloudWatch Logs (account setting)',
      managedPolicies: [
        ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs'),
      ],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        'This role is the account-wide API Gateway logging role, shared by every REST and WebSocket API in ' +
        'the account and region: the AWS managed policy AWS documents for it is the right scope.',
    });
    const account = new CfnAccount(this, 'ApiGatewayAccount', { cloudWatchRoleArn: role.roleArn });
    account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return account;
  }
}
