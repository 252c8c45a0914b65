import { describe, expect, it } from 'vitest';
import { defaultRetryPolicy } from '../../functions/adapters/data-api.ts';
import { ENV } from '../../functions/shared/env.ts';
import {
  deployedFunctions,
  environmentNames,
  fanOutFunction,
  httpRoutes,
  webSocketAuthorizer,
  webSocketRoutes,
} from '../../lib/api-routes.ts';
import {
  logicalIdsOfType,
  onlyResource,
  ourFunctions,
  referencedId,
  template,
  templateJson,
} from './support/assembly.ts';

const variablesOf = (fn: { properties: Record<string, unknown> }) =>
  (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('functions', () => {
  it('deploys one function per function spec', () => {
    expect(
      ourFunctions()
        .map((fn) => fn.spec.id)
        .sort(),
    ).toEqual(
      deployedFunctions()
        .map((spec) => spec.id)
        .sort(),
    );
  });

  it('runs every function of ours on Node.js 24 on arm64, from the ESM bundle', () => {
    for (const spec of deployedFunctions()) {
      template().hasResourceProperties('AWS::Lambda::Function', {
        Description: `hiroba ${spec.entry}`,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
      });
    }
  });

  it('puts no Lambda function in the VPC', () => {
    const functions = logicalIdsOfType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(0);
    for (const logicalId of functions) {
      expect(templateJson().Resources[logicalId]?.Properties?.VpcConfig, logicalId).toBeUndefined();
    }
  });

  it('gives every function of ours its own log group, with a retention, in JSON format', () => {
    const logGroups = ourFunctions().map((fn) => {
      const loggingConfig = fn.properties.LoggingConfig as { LogGroup?: unknown; LogFormat?: string };
      expect(loggingConfig.LogFormat, fn.spec.id).toBe('JSON');
      const logGroup = templateJson().Resources[referencedId(loggingConfig.LogGroup) ?? ''];
      expect(logGroup?.Type, fn.spec.id).toBe('AWS::Logs::LogGroup');
      expect(logGroup?.Properties?.RetentionInDays, fn.spec.id).toBe(30);
      return referencedId(loggingConfig.LogGroup);
    });
    expect(new Set(logGroups).size).toBe(ourFunctions().length);
  });

  it('sets exactly the environment variables each spec declares, plus source maps', () => {
    for (const fn of ourFunctions()) {
      const variables = variablesOf(fn);
      expect(Object.keys(variables).sort(), fn.spec.id).toEqual(
        [...environmentNames(fn.spec), 'NODE_OPTIONS'].sort(),
      );
      expect(variables.NODE_OPTIONS, fn.spec.id).toBe('--enable-source-maps');
    }
  });

  it("tells exactly the functions with auth access the user pool's issuer, keys and web client", () => {
    const [poolId] = onlyResource('AWS::Cognito::UserPool');
    const [clientId] = onlyResource('AWS::Cognito::UserPoolClient');
    const issuer = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [poolId, 'ProviderName'] }]] };
    const authenticating = ourFunctions().filter((fn) => fn.spec.access.includes('auth'));
    expect(authenticating.map((fn) => fn.spec.id)).toContain('WsAuthorizer');
    for (const fn of ourFunctions()) {
      const variables = variablesOf(fn);
      if (!fn.spec.access.includes('auth')) {
        expect(
          Object.keys(variables).filter((name) => name.startsWith('AUTH_')),
          fn.spec.id,
        ).toEqual([]);
        continue;
      }
      expect(variables[ENV.authIssuer], fn.spec.id).toEqual(issuer);
      expect(variables[ENV.authClientId], fn.spec.id).toEqual({ Ref: clientId });
      expect(variables[ENV.authJwksUrl], fn.spec.id).toEqual({
        'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [poolId, 'ProviderName'] }, '/.well-known/jwks.json']],
      });
    }
  });

  it('names the fan-out function to the functions with fanOut access', () => {
    const target = ourFunctions().find((fn) => fn.spec.id === fanOutFunction.id);
    for (const fn of ourFunctions().filter((candidate) => candidate.spec.access.includes('fanOut'))) {
      expect(variablesOf(fn)[ENV.fanOutFunction], fn.spec.id).toEqual({ Ref: target?.logicalId });
    }
  });

  it('sets memory and timeout explicitly, from the spec', () => {
    for (const fn of ourFunctions()) {
      expect(fn.properties.MemorySize, fn.spec.id).toBe(fn.spec.memorySize ?? 256);
      expect(fn.properties.Timeout, fn.spec.id).toBe(fn.spec.timeoutSeconds ?? 10);
    }
  });

  it('lets every API function that reaches the database outlast its retry budget, within API Gateway', () => {
    const routeFunctions = [...httpRoutes, ...webSocketRoutes, webSocketAuthorizer].map(
      (route) => route.function,
    );
    const reachingDatabase = routeFunctions.filter((spec) => spec.access.includes('database'));
    expect(reachingDatabase.length).toBeGreaterThan(0);
    for (const spec of reachingDatabase) {
      const timeoutMs = (spec.timeoutSeconds ?? 10) * 1000;
      expect(timeoutMs, spec.id).toBeGreaterThanOrEqual(defaultRetryPolicy.budgetMs + 5_000);
      expect(timeoutMs, spec.id).toBeLessThan(29_000);
    }
  });

  it("gives every Lambda function in the stack, CDK's own included, a log group that expires", () => {
    const resources = templateJson().Resources;
    const functions = logicalIdsOfType('AWS::Lambda::Function');
    expect(functions.length).toBeGreaterThan(deployedFunctions().length);
    for (const id of functions) {
      const logGroup = (resources[id]?.Properties?.LoggingConfig as { LogGroup?: unknown } | undefined)
        ?.LogGroup;
      const logGroupId = referencedId(logGroup);
      expect(logGroupId, id).toBeDefined();
      expect(resources[logGroupId ?? '']?.Properties?.RetentionInDays, id).toBe(30);
    }
  });

  it('filters application logs at the Powertools log level, INFO by default', () => {
    for (const fn of ourFunctions()) {
      expect(variablesOf(fn)[ENV.logLevel], fn.spec.id).toBe('INFO');
      expect(fn.properties.LoggingConfig, fn.spec.id).toMatchObject({ ApplicationLogLevel: 'INFO' });
    }
  });

  it('traces every function of ours with X-Ray', () => {
    for (const spec of deployedFunctions()) {
      template().hasResourceProperties('AWS::Lambda::Function', {
        Description: `hiroba ${spec.entry}`,
        TracingConfig: { Mode: 'Active' },
      });
    }
  });

  it('gives our functions execution roles without AWS managed policies', () => {
    for (const fn of ourFunctions()) {
      const roleId = referencedId(fn.properties.Role) ?? '';
      expect(templateJson().Resources[roleId]?.Type, fn.spec.id).toBe('AWS::IAM::Role');
      expect(templateJson().Resources[roleId]?.Properties?.ManagedPolicyArns, fn.spec.id).toBeUndefined();
    }
  });
});
