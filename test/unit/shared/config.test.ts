import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '#shared/env';

/** config.ts caches what it reads: each test loads a fresh copy after setting the environment. */
async function loadConfig(env: Record<string, string>) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return import('#shared/config');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('configuration', () => {
  it('reads the database settings', async () => {
    const { databaseConfig } = await loadConfig({
      [ENV.databaseClusterArn]: 'arn:aws:rds:eu-west-1:123456789012:cluster:db',
      [ENV.databaseSecretArn]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
      [ENV.databaseName]: 'hiroba',
    });

    expect(databaseConfig()).toEqual({
      clusterArn: 'arn:aws:rds:eu-west-1:123456789012:cluster:db',
      secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db',
      database: 'hiroba',
    });
  });

  it('names every missing or malformed variable in one error', async () => {
    const { databaseConfig } = await loadConfig({ [ENV.databaseClusterArn]: 'not-an-arn' });

    expect(() => databaseConfig()).toThrow(
      /DATABASE_CLUSTER_ARN: must be an ARN.*DATABASE_SECRET_ARN.*DATABASE_NAME/,
    );
  });

  it("defaults the connection TTL to API Gateway's two hours and reads a number", async () => {
    const defaults = await loadConfig({ [ENV.connectionsTable]: 't' });
    expect(defaults.connectionsConfig()).toEqual({ tableName: 't', ttlSeconds: 7200 });

    const set = await loadConfig({ [ENV.connectionsTable]: 't', [ENV.connectionTtlSeconds]: '60' });
    expect(set.connectionsConfig().ttlSeconds).toBe(60);
  });

  it('refuses a TTL that is not a positive whole number', async () => {
    const { connectionsConfig } = await loadConfig({
      [ENV.connectionsTable]: 't',
      [ENV.connectionTtlSeconds]: '1.5',
    });

    expect(() => connectionsConfig()).toThrow(/CONNECTION_TTL_SECONDS/);
  });

  it('wants an http(s) URL for the management API', async () => {
    const { managementConfig } = await loadConfig({ [ENV.connectionsEndpoint]: 'ftp://example.com' });

    expect(() => managementConfig()).toThrow(/CONNECTIONS_ENDPOINT/);
  });
});
