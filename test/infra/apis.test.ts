import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/shared/env.ts';
import {
  httpDefaultRoute,
  httpRouteKeys,
  httpRoutes,
  webSocketAuthorizer,
  webSocketRoutes,
} from '../../lib/api-routes.ts';
import {
  acknowledgedRules,
  logicalIdsOfType,
  onlyResource,
  ourFunctions,
  referencedId,
  template,
  templateJson,
} from './support/assembly.ts';

function stage(name: string): Record<string, unknown> {
  const found = Object.values(templateJson().Resources).find(
    (resource) => resource.Type === 'AWS::ApiGatewayV2::Stage' && resource.Properties?.StageName === name,
  );
  if (!found?.Properties) throw new Error(`No stage named ${name}`);
  return found.Properties;
}

function accessLogFormat(stageName: string): Record<string, string> {
  const settings = stage(stageName).AccessLogSettings as { Format: string };
  return JSON.parse(settings.Format) as Record<string, string>;
}

function apiId(protocol: 'HTTP' | 'WEBSOCKET'): string {
  const id = logicalIdsOfType('AWS::ApiGatewayV2::Api').find(
    (candidate) => templateJson().Resources[candidate]?.Properties?.ProtocolType === protocol,
  );
  if (!id) throw new Error(`No ${protocol} API`);
  return id;
}

/** The routes of the HTTP or the WebSocket API. */
function routesOf(protocol: 'HTTP' | 'WEBSOCKET'): string[] {
  return logicalIdsOfType('AWS::ApiGatewayV2::Route').filter(
    (id) => referencedId(templateJson().Resources[id]?.Properties?.ApiId) === apiId(protocol),
  );
}

/** The function an integration invokes, by spec id. */
function integratedSpecId(integrationId: string): string | undefined {
  const uri = JSON.stringify(templateJson().Resources[integrationId]?.Properties?.IntegrationUri);
  return ourFunctions().find((fn) => uri.includes(`"${fn.logicalId}"`))?.spec.id;
}

describe.each(['$default', 'ws'])('access logs of the %s stage', (stageName) => {
  it('are JSON that never contains the query string, headers or request bodies (tokens and API keys live there)', () => {
    const format = JSON.stringify(accessLogFormat(stageName)).toLowerCase();
    for (const leak of ['querystring', 'requestoverride', '$input', 'authorization', 'x-api-key', 'header']) {
      expect(format).not.toContain(leak);
    }
    // $context.path is the resource path: API Gateway keeps the query string out of it.
    const variables = format.match(/\$context\.[a-z.]+/g) ?? [];
    expect(variables.length).toBeGreaterThan(5);
    for (const variable of variables) {
      expect(variable).toMatch(
        /^\$context\.(requestid|requesttime|identity\.sourceip|identity\.useragent|httpmethod|routekey|path|protocol|status|responselength|responselatency|integrationlatency|integrationstatus|integrationerrormessage|error\.message|error\.responsetype|eventtype|connectionid|messageid)$/,
      );
    }
  });

  it('go to a log group with a retention', () => {
    const destination = (stage(stageName).AccessLogSettings as { DestinationArn: unknown }).DestinationArn;
    const logGroup = templateJson().Resources[referencedId(destination) ?? ''];
    expect(logGroup?.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup?.Properties?.RetentionInDays).toBe(30);
  });
});

describe('HTTP API', () => {
  it('serves a $default stage that deploys automatically, with throttling', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId('HTTP') },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('has a route per entry of httpRoutes, each invoking its function with payload format 2.0', () => {
    for (const route of httpRoutes) {
      const [routeId, resource] =
        Object.entries(templateJson().Resources).find(
          ([, candidate]) =>
            candidate.Type === 'AWS::ApiGatewayV2::Route' &&
            candidate.Properties?.RouteKey === `${route.method} ${route.path}`,
        ) ?? [];
      expect(routeId, `${route.method} ${route.path}`).toBeDefined();
      const target = JSON.stringify(resource?.Properties?.Target);
      const integrationId = logicalIdsOfType('AWS::ApiGatewayV2::Integration').find((id) =>
        target.includes(id),
      );
      expect(templateJson().Resources[integrationId ?? '']?.Properties).toMatchObject({
        ApiId: { Ref: apiId('HTTP') },
        IntegrationType: 'AWS_PROXY',
        PayloadFormatVersion: '2.0',
      });
      expect(integratedSpecId(integrationId ?? '')).toBe(route.function.id);
    }
  });

  it('sends every request no route matches to the not-found function ($default), with payload format 2.0', () => {
    const routeId = routesOf('HTTP').find(
      (id) => templateJson().Resources[id]?.Properties?.RouteKey === '$default',
    );
    const route = templateJson().Resources[routeId ?? ''];
    expect(routeId).toBeDefined();
    const target = JSON.stringify(route?.Properties?.Target);
    const integrationId = logicalIdsOfType('AWS::ApiGatewayV2::Integration').find((id) =>
      target.includes(id),
    );
    expect(templateJson().Resources[integrationId ?? '']?.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    expect(integratedSpecId(integrationId ?? '')).toBe(httpDefaultRoute.function.id);
  });

  it("tells the not-found function every route key, from the routes' one table", () => {
    const notFound = ourFunctions().find((fn) => fn.spec.id === httpDefaultRoute.function.id);
    const { Variables: variables = {} } = (notFound?.properties.Environment ?? {}) as {
      Variables?: Record<string, unknown>;
    };
    expect(variables.HTTP_ROUTE_KEYS).toBe(httpRouteKeys());
    expect(String(variables.HTTP_ROUTE_KEYS).split(',')).toEqual(
      httpRoutes.map((route) => `${route.method} ${route.path}`),
    );
    // Its own settings only: none of another access's (a database, an issuer, a table).
    const ours = Object.keys(variables).filter((name) => (Object.values(ENV) as string[]).includes(name));
    expect(ours.sort()).toEqual([ENV.httpRouteKeys, ENV.logLevel, ENV.serviceName]);
  });

  it('keeps the execute-api endpoint, which CloudFront reaches', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      DisableExecuteApiEndpoint: Match.absent(),
    });
  });

  it('has no API Gateway authorizer on any route: hiroba checks tokens and API keys itself', () => {
    for (const id of routesOf('HTTP')) {
      expect(templateJson().Resources[id]?.Properties, id).toMatchObject({ AuthorizationType: 'NONE' });
      expect(templateJson().Resources[id]?.Properties?.AuthorizerId, id).toBeUndefined();
    }
  });

  it('tells cdk-nag, route by route, that the handlers authenticate', () => {
    for (const id of routesOf('HTTP')) {
      expect(acknowledgedRules(id)['AwsSolutions-APIG4'], id).toMatch(/authenticated by its handler|public/);
    }
    expect(acknowledgedRules(apiId('HTTP'))['AwsSolutions-APIG4']).toBeUndefined();
  });
});

describe('WebSocket API', () => {
  it('selects routes by the frame type', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'WEBSOCKET',
      RouteSelectionExpression: '$request.body.type',
    });
  });

  it('serves a stage named ws that deploys automatically, with throttling', () => {
    template().hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: apiId('WEBSOCKET') },
      StageName: 'ws',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
    });
  });

  it('has a route per entry of webSocketRoutes, each invoking its function', () => {
    for (const route of webSocketRoutes) {
      const resource = Object.values(templateJson().Resources).find(
        (candidate) =>
          candidate.Type === 'AWS::ApiGatewayV2::Route' &&
          candidate.Properties?.RouteKey === route.routeKey &&
          JSON.stringify(candidate.Properties?.ApiId) === JSON.stringify({ Ref: apiId('WEBSOCKET') }),
      );
      expect(resource, route.routeKey).toBeDefined();
      const target = JSON.stringify(resource?.Properties?.Target);
      const integrationId = logicalIdsOfType('AWS::ApiGatewayV2::Integration').find((id) =>
        target.includes(id),
      );
      expect(integratedSpecId(integrationId ?? ''), route.routeKey).toBe(route.function.id);
    }
  });

  it('authorizes $connect with the authorizer function, by the token query parameter', () => {
    const [authorizerId, authorizer] = onlyResource('AWS::ApiGatewayV2::Authorizer');
    const authorizerFunction = ourFunctions().find((fn) => fn.spec.id === webSocketAuthorizer.function.id);
    expect(authorizer.Properties).toMatchObject({
      ApiId: { Ref: apiId('WEBSOCKET') },
      AuthorizerType: 'REQUEST',
      IdentitySource: ['route.request.querystring.token'],
    });
    expect(JSON.stringify(authorizer.Properties?.AuthorizerUri)).toContain(
      `{"Fn::GetAtt":["${authorizerFunction?.logicalId}","Arn"]}`,
    );
    const connect = routesOf('WEBSOCKET').find(
      (id) => templateJson().Resources[id]?.Properties?.RouteKey === '$connect',
    );
    expect(templateJson().Resources[connect ?? '']?.Properties).toMatchObject({
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
  });

  it('authorizes no other route (API Gateway authorizes the handshake only) and says so to cdk-nag', () => {
    const others = routesOf('WEBSOCKET').filter(
      (id) => templateJson().Resources[id]?.Properties?.RouteKey !== '$connect',
    );
    expect(others).toHaveLength(webSocketRoutes.length - 1);
    for (const id of others) {
      expect(templateJson().Resources[id]?.Properties, id).toMatchObject({ AuthorizationType: 'NONE' });
      expect(acknowledgedRules(id)['AwsSolutions-APIG4'], id).toMatch(/on \$connect only/);
    }
    expect(acknowledgedRules(apiId('WEBSOCKET'))['AwsSolutions-APIG4']).toBeUndefined();
  });

  it('lets API Gateway invoke the authorizer function for this authorizer only', () => {
    const [authorizerId] = onlyResource('AWS::ApiGatewayV2::Authorizer');
    const authorizerFunction = ourFunctions().find((fn) => fn.spec.id === webSocketAuthorizer.function.id);
    const permissions = Object.values(templateJson().Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Permission' &&
        referencedId(resource.Properties?.FunctionName) === authorizerFunction?.logicalId,
    );
    expect(permissions).toHaveLength(1);
    expect(JSON.stringify(permissions[0]?.Properties?.SourceArn)).toContain(
      `{"Ref":"${apiId('WEBSOCKET')}"},"/authorizers/",{"Ref":"${authorizerId}"}`,
    );
  });

  it('sets the account-level CloudWatch role that WebSocket stage logging requires, before the stage', () => {
    const [accountId] = Object.entries(templateJson().Resources).find(
      ([, resource]) => resource.Type === 'AWS::ApiGateway::Account',
    ) ?? [''];
    template().hasResource('AWS::ApiGatewayV2::Stage', {
      Properties: Match.objectLike({ StageName: 'ws' }),
      DependsOn: Match.arrayWith([accountId]),
    });
    template().hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
  });
});

describe('Lambda permissions', () => {
  it('let only our two APIs invoke our functions', () => {
    const apis = [apiId('HTTP'), apiId('WEBSOCKET')];
    const functions = ourFunctions().map((fn) => fn.logicalId);
    const permissions = Object.values(templateJson().Resources).filter(
      (resource) => resource.Type === 'AWS::Lambda::Permission',
    );
    expect(permissions.length).toBeGreaterThanOrEqual(
      new Set([...httpRoutes, ...webSocketRoutes].map((r) => r.function.id)).size,
    );
    for (const permission of permissions) {
      expect(permission.Properties?.Principal).toBe('apigateway.amazonaws.com');
      expect(functions).toContain(referencedId(permission.Properties?.FunctionName));
      const sourceArn = JSON.stringify(permission.Properties?.SourceArn);
      expect(apis.some((api) => sourceArn.includes(`{"Ref":"${api}"}`))).toBe(true);
    }
  });
});
