import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';

/** A signing key of the test issuer. */
export interface TestKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/** Generates a key pair and its public JWK. */
export async function makeKey(kid: string, alg: TestKey['alg'] = 'RS256'): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/**
 * An OIDC issuer stand-in: a throwaway HTTP server serving a JWKS document whose keys a test may swap,
 * counting how often it is fetched.
 */
export async function startJwksServer(initialKeys: TestKey[]) {
  let keys = initialKeys;
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches++;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: keys.map((key) => key.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer: `${origin}/issuer`,
    jwksUrl: `${origin}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next: TestKey[]) {
      keys = next;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

export interface TokenOptions {
  key: TestKey;
  claims: JWTPayload;
  /** Header `typ`; none by default, as in Cognito's tokens. */
  typ?: string;
  /** Seconds from now until expiry (negative: already expired). */
  expiresIn?: number;
}

/** Signs a token; `claims` override the defaults (`iat`, `exp`). */
export function signToken({ key, claims, typ, expiresIn = 3600 }: TokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iat: now, exp: now + expiresIn, ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, ...(typ ? { typ } : {}) })
    .sign(key.privateKey);
}

/** Claims of a Cognito access token for `clientId`. */
export function cognitoAccessClaims(issuer: string, clientId: string, extra: JWTPayload = {}): JWTPayload {
  return {
    iss: issuer,
    sub: '6c1f2a4e-0000-4000-8000-000000000001',
    username: 'alice',
    client_id: clientId,
    token_use: 'access',
    scope: 'openid',
    'cognito:groups': ['admin'],
    ...extra,
  };
}

/** Claims of an RFC 9068 access token for `clientId`, as the local issuer issues them. */
export function jwtAccessClaims(issuer: string, clientId: string, extra: JWTPayload = {}): JWTPayload {
  return {
    iss: issuer,
    sub: 'local-user-bob',
    username: 'bob',
    aud: clientId,
    client_id: clientId,
    'cognito:groups': [],
    ...extra,
  };
}
