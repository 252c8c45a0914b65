import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAws, type TestAws } from './support/local-aws.ts';

describe('/config.json on local AWS', () => {
  let aws: TestAws;
  beforeAll(async () => {
    aws = await startTestAws();
  });
  afterAll(async () => aws?.dispose());

  it('names the local issuer and client that the functions trust, at its discovered endpoints', async () => {
    const response = await fetch(`${aws.endpoints.edge}/config.json`);
    const config = (await response.json()) as { auth: Record<string, string> };
    const discovery = (await (
      await fetch(`${config.auth.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, string>;

    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(config.auth).toEqual({
      issuer: aws.auth.issuer,
      clientId: aws.auth.clientId,
      authorizeUrl: discovery.authorization_endpoint,
      tokenUrl: discovery.token_endpoint,
      revokeUrl: discovery.revocation_endpoint,
      logoutUrl: `${aws.endpoints.edge}/local/oidc/logout`,
    });
  });
});
