import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV, type EnvName } from '../../functions/shared/env.ts';
import { assemblyDir, ourFunctions } from './support/assembly.ts';
import { bundleDirectory } from './support/bundles.ts';
import { node24, run } from './support/run.ts';

/** Plausible stand-ins for the values CloudFormation fills in at deploy time. */
const dummyValues: Record<EnvName, string> = {
  [ENV.databaseClusterArn]: 'arn:aws:rds:us-east-1:123456789012:cluster:hiroba-dummy',
  [ENV.databaseSecretArn]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hiroba-dummy-AbCdEf',
  [ENV.databaseName]: 'hiroba',
  [ENV.connectionsTable]: 'Hiroba-ConnectionsTable-DUMMY',
  [ENV.connectionTtlSeconds]: '7200',
  [ENV.connectionsEndpoint]: 'https://abcdef1234.execute-api.us-east-1.amazonaws.com/ws',
  [ENV.authIssuer]: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DUMMY',
  [ENV.authClientId]: 'dummyclientid1234567890abc',
  [ENV.authJwksUrl]: 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DUMMY/.well-known/jwks.json',
  [ENV.fanOutFunction]: 'Hiroba-FanOutFunctionHandler-DUMMY',
  [ENV.mediaBucket]: 'hiroba-media-dummy',
  [ENV.maxUploadBytes]: '10485760',
  [ENV.serviceName]: 'hiroba',
  [ENV.logLevel]: 'INFO',
};

/** The function's own variables: literal values as deployed, references replaced by dummies. */
function environmentOf(variables: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : (dummyValues[name as EnvName] ?? 'dummy'),
    ]),
  );
}

/** Imports a bundle in a fresh Node.js 24 with exactly `env`, and reports what `handler` is. */
function importInPlainNode(file: string, env: Record<string, string>) {
  const probe = 'const m = await import(process.argv[1]); console.log("handler:" + typeof m.handler);';
  return run(node24, ['--input-type=module', '-e', probe, file], env);
}

describe('built bundles', () => {
  it.each(ourFunctions().map((fn) => [fn.spec.id, fn] as const))(
    '%s loads in plain Node.js 24 with only its environment and exports a handler',
    async (_id, fn) => {
      const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;
      const file = join(assemblyDir(), bundleDirectory(fn.properties), 'index.mjs');
      const { code, output } = await importInPlainNode(file, environmentOf(variables));
      expect(output).toContain('handler:function');
      expect(code).toBe(0);
    },
  );
});
