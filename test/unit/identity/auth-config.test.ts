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
