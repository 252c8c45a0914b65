import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { joseTokenVerifier } from '#adapters/jose-token-verifier';
import { DomainError } from '#shared/errors';
import {
  cognitoAccessClaims,
  jwtAccessClaims,
  makeKey,
  signToken,
  startJwksServer,
  type TestKey,
} from './support/test-issuer.ts';

const clientId = 'hiroba-web';

describe('the jose token verifier', () => {
  let key: TestKey;
  let ecKey: TestKey;
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;

  beforeAll(async () => {
    key = await makeKey('key-1');
    ecKey = await makeKey('key-ec', 'ES256');
    jwks = await startJwksServer([key, ecKey]);
  });
  afterAll(async () => {
    await jwks?.stop();
  });
  afterEach(() => {
    vi.useRealTimers();
    jwks.setKeys([key, ecKey]);
  });

  const verifier = () => joseTokenVerifier({ issuer: jwks.issuer, clientId, jwksUrl: jwks.jwksUrl });

  /** The refusal `verify` throws for `token`. */
  async function refusal(token: string): Promise<DomainError> {
    const error = await verifier()
      .verify(token)
      .then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    expect(error).toBeInstanceOf(DomainError);
    return error as DomainError;
  }

  it('accepts a Cognito access token and reads user, name, groups and expiry', async () => {
    const token = await signToken({
      key,
      claims: cognitoAccessClaims(jwks.issuer, clientId),
      expiresIn: 600,
    });

    const identity = await verifier().verify(token);

    expect(identity).toEqual({
      sub: '6c1f2a4e-0000-4000-8000-000000000001',
      username: 'alice',
      groups: ['admin'],
      expiresAt: expect.any(Date),
    });
    expect(Math.abs(identity.expiresAt.getTime() - (Date.now() + 600_000))).toBeLessThan(5_000);
  });

  it('accepts an RFC 9068 at+jwt access token whose audience includes our client', async () => {
    const claims = jwtAccessClaims(jwks.issuer, clientId, { aud: ['https://api.example', clientId] });
    const token = await signToken({ key, claims, typ: 'at+jwt' });

    expect(await verifier().verify(token)).toMatchObject({
      sub: 'local-user-bob',
      username: 'bob',
      groups: [],
    });
  });

  it('accepts the media type form of at+jwt and ES256 signatures', async () => {
    const token = await signToken({
      key: ecKey,
      claims: jwtAccessClaims(jwks.issuer, clientId),
      typ: 'application/at+jwt',
    });

    expect((await verifier().verify(token)).username).toBe('bob');
  });

  it('refuses an expired token', async () => {
    const token = await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, clientId), expiresIn: -5 });

    const error = await refusal(token);

    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/expired/);
  });

  it('refuses a token without an expiry', async () => {
    const claims = { ...cognitoAccessClaims(jwks.issuer, clientId), exp: undefined };
    const token = await signToken({ key, claims });

    expect((await refusal(token)).kind).toBe('unauthorized');
  });

  it('refuses a token from another issuer', async () => {
    const claims = cognitoAccessClaims(
      'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_other',
      clientId,
    );

    const error = await refusal(await signToken({ key, claims }));

    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/"iss"/);
  });

  it('refuses a Cognito access token of another app client', async () => {
    const token = await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, 'another-client') });

    expect((await refusal(token)).kind).toBe('unauthorized');
  });

  it('refuses an at+jwt token for another audience', async () => {
    const claims = jwtAccessClaims(jwks.issuer, clientId, { aud: 'another-client' });

    expect((await refusal(await signToken({ key, claims, typ: 'at+jwt' }))).kind).toBe('unauthorized');
  });

  it('refuses a token with our audience that is not typed at+jwt', async () => {
    const token = await signToken({ key, claims: jwtAccessClaims(jwks.issuer, clientId) });

    expect((await refusal(token)).kind).toBe('unauthorized');
  });

  it('refuses a Cognito ID token, although it names our client as its audience', async () => {
    const claims = {
      iss: jwks.issuer,
      sub: '6c1f2a4e-0000-4000-8000-000000000001',
      aud: clientId,
      token_use: 'id',
      'cognito:username': 'alice',
      username: 'alice',
      email: 'alice@example.com',
    };

    expect((await refusal(await signToken({ key, claims }))).kind).toBe('unauthorized');
  });

  it('refuses an at+jwt token that calls itself an ID token', async () => {
    const claims = jwtAccessClaims(jwks.issuer, clientId, { token_use: 'id' });

    expect((await refusal(await signToken({ key, claims, typ: 'at+jwt' }))).kind).toBe('unauthorized');
  });

  it('refuses an access token that names no username', async () => {
    const claims = cognitoAccessClaims(jwks.issuer, clientId, { username: undefined });

    expect((await refusal(await signToken({ key, claims }))).kind).toBe('unauthorized');
  });

  it('refuses an unsigned token (alg: none)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const payload = { ...cognitoAccessClaims(jwks.issuer, clientId), iat: now, exp: now + 3600 };
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part(payload)}.`;

    const error = await refusal(token);

    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/algorithm/);
  });

  it('refuses a token whose payload was altered after signing', async () => {
    const token = await signToken({
      key,
      claims: cognitoAccessClaims(jwks.issuer, clientId, { username: 'eve' }),
    });
    const [header, , signature] = token.split('.');
    const now = Math.floor(Date.now() / 1000);
    const forged = Buffer.from(
      JSON.stringify({ ...cognitoAccessClaims(jwks.issuer, clientId), iat: now, exp: now + 3600 }),
    ).toString('base64url');

    const error = await refusal(`${header}.${forged}.${signature}`);

    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/signature/);
  });

  it("refuses a token signed by a stranger's key that claims one of the issuer's key ids", async () => {
    const impostor = { ...(await makeKey('key-1')), jwk: key.jwk };

    const error = await refusal(
      await signToken({ key: impostor, claims: cognitoAccessClaims(jwks.issuer, clientId) }),
    );

    expect(error.message).toMatch(/signature/);
  });

  it('refuses a token signed with a key id the issuer does not have', async () => {
    const stranger = await makeKey('unknown-kid');

    const error = await refusal(
      await signToken({ key: stranger, claims: cognitoAccessClaims(jwks.issuer, clientId) }),
    );

    expect(error.kind).toBe('unauthorized');
    expect(error.message).toMatch(/not signed by a key of the issuer/);
  });

  it('refuses garbage without echoing it', async () => {
    const error = await refusal('not-a-jwt-secret-material');

    expect(error.kind).toBe('unauthorized');
    expect(error.message).not.toContain('secret-material');
  });

  it('fetches the key set once and reuses it for later tokens', async () => {
    const tokens = verifier();
    const before = jwks.fetches;

    for (let i = 0; i < 3; i++) {
      await tokens.verify(await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, clientId) }));
    }

    expect(jwks.fetches - before).toBe(1);
  });

  it('picks up a rotated key when a token names an unknown kid, after the cool-down', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = verifier();
    await tokens.verify(await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, clientId) }));
    const rotated = await makeKey('key-2');
    jwks.setKeys([key, rotated]);
    const fresh = await signToken({ key: rotated, claims: cognitoAccessClaims(jwks.issuer, clientId) });

    vi.setSystemTime(Date.now() + 31_000);

    expect((await tokens.verify(fresh)).username).toBe('alice');
  });

  it('reports the issuer being unreachable as unavailable, not as a bad token', async () => {
    const tokens = joseTokenVerifier({
      issuer: jwks.issuer,
      clientId,
      jwksUrl: `${new URL(jwks.jwksUrl).origin}/nowhere.json`,
    });
    const token = await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, clientId) });

    await expect(tokens.verify(token)).rejects.toMatchObject({ kind: 'unavailable', retryAfterSeconds: 5 });
  });
});
