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

describe('the auth configuration', () => {
  it('reads the issuer, the app client and the JWKS URL', async () => {
    const { authConfig } = await loadConfig({
      [ENV.authIssuer]: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf',
      [ENV.authClientId]: '4lbn1h5rn7q0example',
      [ENV.authJwksUrl]: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf/.well-known/jwks.json',
    });

    expect(authConfig()).toEqual({
      issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf',
      clientId: '4lbn1h5rn7q0example',
      jwksUrl: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf/.well-known/jwks.json',
    });
  });

  it('accepts the local issuer on plain http', async () => {
    const { authConfig } = await loadConfig({
      [ENV.authIssuer]: 'http://127.0.0.1:3000/local/oidc',
      [ENV.authClientId]: 'hiroba-local',
      [ENV.authJwksUrl]: 'http://127.0.0.1:3000/local/oidc/jwks',
    });

    expect(authConfig().issuer).toBe('http://127.0.0.1:3000/local/oidc');
  });

  it('names every missing or malformed variable', async () => {
    const { authConfig } = await loadConfig({ [ENV.authIssuer]: 'not a url' });

    expect(() => authConfig()).toThrow(/AUTH_ISSUER.*AUTH_CLIENT_ID.*AUTH_JWKS_URL/);
  });
});
