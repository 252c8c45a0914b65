import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { inject } from 'vitest';
import { stackName } from '../../../bin/hiroba.ts';
import { type FunctionSpec, httpRoutes, migrateFunction, webSocketRoutes } from '../../../lib/api-routes.ts';

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

/** Every function spec the stack deploys: the routes' and the migrations'. */
export function allSpecs(): FunctionSpec[] {
  const specs = new Map<string, FunctionSpec>();
  for (const spec of [...httpRoutes, ...webSocketRoutes].map((route) => route.function))
    specs.set(spec.id, spec);
  specs.set(migrateFunction.id, migrateFunction);
  return [...specs.values()];
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
  const specs = allSpecs();
  return Object.entries(templateJson().Resources)
    .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
    .flatMap(([logicalId, resource]) => {
      const properties = resource.Properties ?? {};
      const spec = specs.find((candidate) => properties.Description === `hiroba ${candidate.entry}`);
      return spec ? [{ logicalId, resource, properties, spec }] : [];
    });
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
