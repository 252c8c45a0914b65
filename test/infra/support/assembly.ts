import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { stackName } from '../../../bin/hiroba.ts';
import { deployedFunctions, type FunctionSpec } from '../../../lib/api-routes.ts';

/** A resource of the synthesized template. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

/** The synthesized template, as JSON. */
export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown; Description?: string }>;
}

/** Where global-setup synthesized the app. */
export function assemblyDir(): string {
  return inject('assemblyDir');
}

let cached: CfnTemplate | undefined;

/** The stack's template as synthesized by global-setup. */
export function templateJson(): CfnTemplate {
  cached ??= JSON.parse(
    readFileSync(join(assemblyDir(), `${stackName}.template.json`), 'utf8'),
  ) as CfnTemplate;
  return cached;
}

/** The stack's template, for `aws-cdk-lib/assertions`. */
export function template(): Template {
  return Template.fromJSON(templateJson());
}

/** One of hiroba's own functions in the template (not CDK's helper functions). */
export interface DeployedFunction {
  logicalId: string;
  resource: CfnResource;
  properties: Record<string, unknown>;
  spec: FunctionSpec;
}

/** hiroba's functions, recognized by the description the function construct gives them. */
export function ourFunctions(): DeployedFunction[] {
  const specs = deployedFunctions();
  return Object.entries(templateJson().Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const spec = specs.find((candidate) => properties.Description === `hiroba ${candidate.entry}`);
      return spec ? [{ logicalId, resource, properties, spec }] : [];
    });
}

/** A statement of an IAM policy in the template. */
export interface PolicyStatement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every policy attached to the function's execution role. */
export function roleStatements(fn: DeployedFunction): PolicyStatement[] {
  const roleId = referencedId(fn.properties.Role);
  if (!roleId) throw new Error(`${fn.spec.id} has no role of this stack`);
  return Object.values(templateJson().Resources)
    .filter((resource) => resource.Type === 'AWS::IAM::Policy')
    .filter((policy) =>
      ((policy.Properties?.Roles ?? []) as unknown[]).some((role) => referencedId(role) === roleId),
    )
    .flatMap(
      (policy) =>
        ((policy.Properties?.PolicyDocument ?? {}) as { Statement?: PolicyStatement[] }).Statement ?? [],
    );
}

/** The logical ids of the resources of one type. */
export function logicalIdsOfType(type: string): string[] {
  return Object.entries(templateJson().Resources)
    .filter(([, resource]) => resource.Type === type)
    .map(([logicalId]) => logicalId);
}

/** The only resource of a type, failing when there is not exactly one. */
export function onlyResource(type: string): [string, CfnResource] {
  const matches = Object.entries(templateJson().Resources).filter(([, resource]) => resource.Type === type);
  if (matches.length !== 1) throw new Error(`Expected one ${type}, found ${matches.length}`);
  return matches[0] as [string, CfnResource];
}

/** The logical id behind `{ Ref }` or `{ Fn::GetAtt: [id, ...] }`. */
export function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('Ref' in value && typeof value.Ref === 'string') return value.Ref;
  if ('Fn::GetAtt' in value && Array.isArray(value['Fn::GetAtt'])) return String(value['Fn::GetAtt'][0]);
  return undefined;
}

interface MetadataEntry {
  type: string;
  data?: unknown;
}

let metadataCache: Record<string, MetadataEntry[]> | undefined;

/** The stack's construct metadata by construct path, as the cloud assembly records it. */
function constructMetadata(): Record<string, MetadataEntry[]> {
  if (!metadataCache) {
    const manifest = JSON.parse(readFileSync(join(assemblyDir(), 'manifest.json'), 'utf8')) as {
      artifacts: Record<
        string,
        { additionalMetadataFile?: string; metadata?: Record<string, MetadataEntry[]> }
      >;
    };
    const artifact = manifest.artifacts[stackName];
    metadataCache = artifact?.additionalMetadataFile
      ? (JSON.parse(readFileSync(join(assemblyDir(), artifact.additionalMetadataFile), 'utf8')) as Record<
          string,
          MetadataEntry[]
        >)
      : (artifact?.metadata ?? {});
  }
  return metadataCache;
}

/**
 * The validation rules acknowledged for a resource (on it or on any construct above it), by rule id,
 * with their reasons.
 */
export function acknowledgedRules(logicalId: string): Record<string, string> {
  const metadata = constructMetadata();
  const path = Object.keys(metadata).find((candidate) =>
    metadata[candidate]?.some((entry) => entry.type === 'aws:cdk:logicalId' && entry.data === logicalId),
  );
  if (!path) throw new Error(`No construct path for ${logicalId}`);
  const rules: Record<string, string> = {};
  const segments = path.split('/');
  for (let length = segments.length; length > 1; length -= 1) {
    for (const entry of metadata[segments.slice(0, length).join('/')] ?? []) {
      if (entry.type !== 'aws:cdk:acknowledged-rules') continue;
      for (const [id, reason] of Object.entries(entry.data as Record<string, string>)) {
        rules[id.replace(/^annotation::/i, '')] ??= reason;
      }
    }
  }
  return rules;
}

/**
 * The web bucket's two deployments: `assets` uploads only the hashed assets (its `Include`), `app`
 * everything else.
 */
export function webDeployments(): Record<'assets' | 'app', [string, CfnResource]> {
  const deployments = Object.entries(templateJson().Resources).filter(
    ([, resource]) => resource.Type === 'Custom::CDKBucketDeployment',
  );
  const assets = deployments.filter(([, resource]) => resource.Properties?.Include !== undefined);
  const app = deployments.filter(([, resource]) => resource.Properties?.Include === undefined);
  if (deployments.length !== 2 || assets.length !== 1 || app.length !== 1) {
    throw new Error(`Expected an assets and an app deployment, found ${deployments.length} deployments`);
  }
  return { assets: assets[0] as [string, CfnResource], app: app[0] as [string, CfnResource] };
}
