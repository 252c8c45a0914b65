import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpRoute as HttpApiRoute,
  HttpMethod,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { FunctionSpec, HttpRoute } from '../api-routes.ts';
import { expiringLogGroup } from './common.ts';

/**
 * One JSON object per request. `$context.path` and `$context.routeKey` never include the query string,
 * and no header is logged, so tokens and API keys stay out of the logs.
 */
const httpAccessLogFormat: Record<string, string> = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/** Props of {@link HirobaHttpApi}. */
export interface HirobaHttpApiProps {
  /** The routes to serve, each with the function that answers it. */
  readonly routes: readonly HttpRoute[];
  /**
   * The `$default` route, which answers every request no route matches.
   * @default - none: API Gateway answers `{"message":"Not Found"}` itself
   */
  readonly defaultRoute?: { readonly function: FunctionSpec };
  /** Looks up the deployed function for a route's function spec id. */
  readonly functionFor: (specId: string) => IFunction;
  /**
   * Stage throttling: steady requests per second.
   * @default 50
   */
  readonly throttleRateLimit?: number;
  /**
   * Stage throttling: burst of requests.
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
 * The HTTP API behind CloudFront's `/api/*`: a `$default` stage (routes carry the `/api` prefix), Lambda
 * proxy integrations with payload format 2.0, stage throttling and JSON access logs.
 *
 * No API Gateway authorizer: hiroba's code checks tokens and API keys, so its 401s carry hiroba's error
 * body (each route tells cdk-nag why). The execute-api endpoint stays enabled because CloudFront reaches
 * the API through it.
 */
export class HirobaHttpApi extends Construct {
  /** The HTTP API. */
  public readonly api: HttpApi;
  /** The auto-deployed `$default` stage. */
  public readonly stage: HttpStage;
  /** Where the stage writes its access logs. */
  public readonly accessLogGroup: LogGroup;
  /** The `$default` route, when there is one. */
  public readonly defaultRoute?: HttpApiRoute;

  constructor(scope: Construct, id: string, props: HirobaHttpApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', {
      description: 'hiroba HTTP API, served under /api/* by CloudFront',
      createDefaultStage: false,
    });
    this.accessLogGroup = expiringLogGroup(this, 'AccessLogs', props.logRetention);
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit ?? 50, burstLimit: props.throttleBurstLimit ?? 100 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: AccessLogFormat.custom(JSON.stringify(httpAccessLogFormat)),
      },
    });

    // One integration per function, shared by all of its routes.
    const integrations = new Map<string, HttpLambdaIntegration>();
    const integrationFor = (specId: string) => {
      let integration = integrations.get(specId);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${specId}Integration`, props.functionFor(specId), {
          payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
        });
        integrations.set(specId, integration);
      }
      return integration;
    };
    for (const route of props.routes) {
      const specId = route.function.id;
      const integration = integrationFor(specId);
      const routeKey = `${route.method} ${route.path}`;
      const reason = route.function.access.includes('auth')
        ? `${routeKey} is authenticated by its handler (OIDC access token or hashed API key), as the API ` +
          'contract requires: anonymous callers may read public channels, and a 401 must carry the ' +
          "contract's error body, which an API Gateway authorizer cannot produce."
        : `${routeKey} is public by the API contract: it answers anyone and reads no identity.`;
      const methods = [HttpMethod[route.method]];
      for (const added of this.api.addRoutes({ path: route.path, methods, integration })) {
        Validations.of(added).acknowledge({ id: 'AwsSolutions-APIG4', reason });
      }
    }

    if (props.defaultRoute) {
      this.defaultRoute = new HttpApiRoute(this, 'DefaultRoute', {
        httpApi: this.api,
        routeKey: HttpRouteKey.DEFAULT,
        integration: integrationFor(props.defaultRoute.function.id),
      });
      Validations.of(this.defaultRoute).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          "$default is public: it answers only requests no route matches, with the contract's 404 or a " +
          '405, and reads no identity.',
      });
    }
  }
}
