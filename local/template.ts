import { ENV } from '#shared/env';
import { webSocketStageName } from '../lib/api-routes.ts';
import type { CorsRule } from './s3/cors.ts';

/** The parts of a synthesized CloudFormation template that local AWS reads. */
export interface CloudFormationTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** What local AWS takes from the stack, so that it cannot drift from what `cdk deploy` creates. */
export interface LocalStackFacts {
  /** Logical id of the table the functions are told to use as `CONNECTIONS_TABLE`. */
  connectionsTableLogicalId: string;
  connectionTtlSeconds: number;
  /** The largest image upload the stack allows, as its functions are told. */
  maxUploadBytes: number;
  /** The HTTP API stage's throttling. */
  httpThrottle: { rateLimit: number; burstLimit: number };
  /** The WebSocket API stage's throttling. */
  webSocketThrottle: { rateLimit: number; burstLimit: number };
  /** The media bucket's CORS rules, with their allowed origins left out: locally the edge is the origin. */
  mediaCorsRules: Omit<CorsRule, 'AllowedOrigins'>[];
}

/** A bucket CORS rule as CloudFormation writes it. */
interface TemplateCorsRule {
  AllowedMethods: CorsRule['AllowedMethods'];
  AllowedHeaders?: string[];
  ExposedHeaders?: string[];
  MaxAge?: number;
}

/**
 * Synthesizes the stack in-process, with asset bundling skipped (local AWS runs the handler sources,
 * not bundles), and returns its template.
 */
export async function synthesizeTemplate(): Promise<CloudFormationTemplate> {
  const { synthesizeHirobaTemplate } = await import('../bin/hiroba.ts');
  return synthesizeHirobaTemplate() as CloudFormationTemplate;
}

/** Reads the facts local AWS needs from the template, failing loudly when the stack changed shape. */
export function localStackFacts(template: CloudFormationTemplate): LocalStackFacts {
  const resources = Object.values(template.Resources);
  const variables = resources
    .filter((resource) => resource.Type === 'AWS::Lambda::Function')
    .map(
      (fn) =>
        ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
          {}) as Record<string, unknown>,
    );
  const tableRef = variables.map((v) => v[ENV.connectionsTable]).find((value) => value !== undefined) as
    | { Ref?: string }
    | undefined;
  const ttl = variables.map((v) => v[ENV.connectionTtlSeconds]).find((value) => value !== undefined);
  const maxUploadBytes = variables.map((v) => v[ENV.maxUploadBytes]).find((value) => value !== undefined);
  if (maxUploadBytes === undefined) throw new Error(`No function in the template sets ${ENV.maxUploadBytes}`);
  if (!tableRef?.Ref) throw new Error(`No function in the template sets ${ENV.connectionsTable} to a table`);
  const [mediaBucket, ...otherCorsBuckets] = resources.filter(
    (resource) => resource.Type === 'AWS::S3::Bucket' && resource.Properties?.CorsConfiguration,
  );
  if (!mediaBucket || otherCorsBuckets.length > 0) {
    throw new Error('Expected exactly one bucket with CORS rules (the media bucket)');
  }
  const corsConfiguration = mediaBucket.Properties?.CorsConfiguration as { CorsRules: TemplateCorsRule[] };
  const corsRules = corsConfiguration.CorsRules;
  return {
    connectionsTableLogicalId: tableRef.Ref,
    mediaCorsRules: corsRules.map((rule) => ({
      AllowedMethods: rule.AllowedMethods,
      ...(rule.AllowedHeaders && { AllowedHeaders: rule.AllowedHeaders }),
      ...(rule.ExposedHeaders && { ExposeHeaders: rule.ExposedHeaders }),
      ...(rule.MaxAge !== undefined && { MaxAgeSeconds: rule.MaxAge }),
    })),
    connectionTtlSeconds: Number(ttl ?? 7200),
    maxUploadBytes: Number(maxUploadBytes),
    httpThrottle: stageThrottle(resources, '$default', 'HTTP API'),
    webSocketThrottle: stageThrottle(resources, webSocketStageName, 'WebSocket API'),
  };
}

/** The throttling of the API Gateway v2 stage named `stageName`. */
function stageThrottle(
  resources: CloudFormationTemplate['Resources'][string][],
  stageName: string,
  what: string,
): { rateLimit: number; burstLimit: number } {
  const stage = resources.find(
    (resource) =>
      resource.Type === 'AWS::ApiGatewayV2::Stage' && resource.Properties?.StageName === stageName,
  );
  const routeSettings = stage?.Properties?.DefaultRouteSettings as
    | { ThrottlingRateLimit?: number; ThrottlingBurstLimit?: number }
    | undefined;
  if (routeSettings?.ThrottlingRateLimit === undefined || routeSettings.ThrottlingBurstLimit === undefined) {
    throw new Error(`The ${what} stage in the template has no throttling`);
  }
  return { rateLimit: routeSettings.ThrottlingRateLimit, burstLimit: routeSettings.ThrottlingBurstLimit };
}
