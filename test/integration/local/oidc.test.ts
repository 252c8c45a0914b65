import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  type JSONWebKeySet,
  jwtVerify,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joseTokenVerifier } from '#adapters/jose-token-verifier';
import { type RunningEdge, startEdge } from '../../../local/edge.ts';
import { createLocalIssuer, type LocalIssuer } from '../../../local/oidc/issuer.ts';

const clientId = 'hiroba-local';
// UUIDv5 of the usernames in the local namespace, computed independently (Python's uuid.uuid5).
const aliceId = '7697b1fc-bbd6-5f03-af2c-c2843bd904bc';
const capitalAliceId = 'fdd4672c-8dbb-5ca4-89db-d1d0e122df42';

interface TokenAnswer {
  access_token: string;
  expires_in: number;
  id_token: string;
  refresh_token?: string;
  token_type: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  end_session_endpoint: string;
  revocation_endpoint: string;
  response_types_supported: string[];
  grant_types_supported: string[];
  code_challenge_methods_supported: string[];
}

/** Just enough of a browser: a cookie jar, and redirects followed by hand so each step can be checked. */
class Browser {
  private readonly cookies = new Map<string, string>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const response = await fetch(url, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(init.form && { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body: init.form ? new URLSearchParams(init.form) : undefined,
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const location = response.headers.get('location');
    return { response, location: location ? new URL(location, url).href : undefined };
  }
}

/** A PKCE verifier and its S256 challenge. */
function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString());
}

describe('the local OIDC issuer, mounted on the edge', () => {
  let root: string;
  let edge: RunningEdge;
  let issuer: LocalIssuer;
  let discovery: Discovery;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'hiroba-oidc-'));
    await mkdir(join(root, 'web'));
    let mounted: LocalIssuer | undefined;
    edge = await startEdge({
      // Nothing here reaches the APIs or the bucket.
      httpApiUrl: 'http://127.0.0.1:9',
      webSocketUrl: 'ws://127.0.0.1:9/ws',
      media: {
        s3Url: 'http://127.0.0.1:9',
        bucket: 'media',
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
      },
      webRoot: join(root, 'web'),
      webConfig: () => mounted?.webConfig,
      local: async (req, res) => (mounted ? mounted.handle(req, res) : false),
    });
    issuer = await createLocalIssuer({ origin: edge.url, stateDir: join(root, 'state') });
    mounted = issuer;
    discovery = (await (
      await fetch(`${issuer.issuer}/.well-known/openid-configuration`)
    ).json()) as Discovery;
  });

  afterAll(async () => {
    await edge?.stop();
    await rm(root, { recursive: true, force: true });
  });

  /** Starts an authorization request as the web app would; returns the browser and the next URL. */
  async function authorize(params: Record<string, string> = {}) {
    const browser = new Browser();
    const { verifier, challenge } = pkce();
    const url = new URL(discovery.authorization_endpoint);
    const all = {
      client_id: clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${edge.url}/auth/callback`,
      state: 'state-123',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...params,
    };
    for (const [name, value] of Object.entries(all)) if (value !== '') url.searchParams.set(name, value);
    const { response, location } = await browser.request(url.href);
    return { browser, verifier, response, location };
  }

  /** Runs the whole code flow for `username` and returns the token endpoint's answer. */
  async function signIn(username: string, admin: boolean) {
    return (await signInWith(username, admin)).tokens;
  }

  /** Runs the whole code flow for `username`; returns the tokens and the browser, session cookie and all. */
  async function signInWith(username: string, admin: boolean) {
    const { browser, verifier, location: signInPage } = await authorize();
    if (!signInPage) throw new Error('no sign-in page');
    const form = { username, ...(admin && { admin: 'yes' }) };
    const { location: resume } = await browser.request(signInPage, { form });
    if (!resume) throw new Error('the sign-in did not resume the authorization');
    const { location: callback } = await browser.request(resume);
    const code = new URL(callback ?? '').searchParams.get('code');
    if (!code) throw new Error(`no code in ${callback}`);
    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        code_verifier: verifier,
        redirect_uri: `${edge.url}/auth/callback`,
        client_id: clientId,
      }),
    });
    const tokens = (await response.json()) as TokenAnswer;
    return { browser, tokens };
  }

  async function refresh(refreshToken: string) {
    return fetch(discovery.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
        client_id: clientId,
      }),
    });
  }

  async function localToken(body: unknown) {
    return fetch(`${edge.url}/local/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  describe('discovery', () => {
    it('publishes the issuer at /local/oidc with the code flow and S256 PKCE only', () => {
      expect(discovery).toMatchObject({
        issuer: `${edge.url}/local/oidc`,
        authorization_endpoint: `${edge.url}/local/oidc/auth`,
        token_endpoint: `${edge.url}/local/oidc/token`,
        jwks_uri: `${edge.url}/local/oidc/jwks`,
        end_session_endpoint: `${edge.url}/local/oidc/session/end`,
        revocation_endpoint: `${edge.url}/local/oidc/token/revocation`,
        response_types_supported: ['code'],
        grant_types_supported: ['authorization_code', 'refresh_token'],
        code_challenge_methods_supported: ['S256'],
      });
      expect(issuer.jwksUri).toBe(discovery.jwks_uri);
    });

    it('publishes public signing keys only', async () => {
      const { keys } = (await (await fetch(discovery.jwks_uri)).json()) as JSONWebKeySet;

      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
      expect(keys[0]).not.toHaveProperty('d');
    });
  });

  describe('signing in', () => {
    it('sends the browser to a sign-in page that only the browser which asked can use', async () => {
      const { response, location } = await authorize();
      const page = await fetch(location ?? '');
      const html = await page.text();

      expect(response.status).toBe(303);
      expect(location).toMatch(new RegExp(`^${edge.url}/local/oidc/interaction/[A-Za-z0-9_-]+$`));
      expect(page.status).toBe(400); // without the interaction cookie the request is unknown
      expect(html).toContain('Sign-in expired');
    });

    it('shows the form to the browser that started the request, under a CSP that allows its stylesheet', async () => {
      const { browser, location } = await authorize();
      const { response } = await browser.request(location ?? '');
      const html = await response.text();

      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(html).toContain('<html lang="en">');
      expect(html).toMatch(/<label for="username">Username<\/label>/);
      expect(html).toMatch(/<input type="text" id="username" name="username"[^>]*required maxlength="40"/);
      expect(html).toMatch(/<input type="checkbox" name="admin" value="yes">/);
      expect(html).not.toContain('type="password"');
      const style = /<style>([\s\S]*)<\/style>/.exec(html)?.[1] ?? '';
      const hash = createHash('sha256').update(style).digest('base64');
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).toContain(`style-src 'self' 'sha256-${hash}'`);
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
    });

    it('signs a person in with the code flow and PKCE, and issues an RFC 9068 access token for the app', async () => {
      const tokens = await signIn('alice', false);

      const header = decodeProtectedHeader(tokens.access_token);
      const { payload } = await jwtVerify(
        tokens.access_token,
        createRemoteJWKSet(new URL(discovery.jwks_uri)),
        {
          issuer: issuer.issuer,
          audience: clientId,
          typ: 'at+jwt',
        },
      );
      expect(header).toMatchObject({ alg: 'RS256', typ: 'at+jwt', kid: expect.any(String) });
      expect(payload).toMatchObject({ sub: aliceId, username: 'alice', client_id: clientId, aud: clientId });
      expect(payload).not.toHaveProperty('cognito:groups');
      expect(payload).not.toHaveProperty('token_use');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
      expect(tokens.expires_in).toBe(3600);
    });

    it('puts an admin in the admin group', async () => {
      const tokens = await signIn('root', true);

      expect(payloadOf(tokens.access_token)).toMatchObject({ username: 'root', 'cognito:groups': ['admin'] });
    });

    it("issues tokens that hiroba's own verifier accepts", async () => {
      const verifier = joseTokenVerifier({ issuer: issuer.issuer, clientId, jwksUrl: issuer.jwksUri });
      const tokens = await signIn('carol', true);

      const identity = await verifier.verify(tokens.access_token);

      expect(identity).toMatchObject({ username: 'carol', groups: ['admin'] });
      // The ID token names the app as its audience but is not an access token: it must be refused.
      await expect(verifier.verify(tokens.id_token)).rejects.toMatchObject({ kind: 'unauthorized' });
    });

    it('lets the same browser sign in as someone else, ending the first session on the way', async () => {
      const { browser, location } = await authorize();
      const { location: resume } = await browser.request(location ?? '', { form: { username: 'heidi' } });
      await browser.request(resume ?? '');
      const again = new URL(discovery.authorization_endpoint);
      const second = pkce();
      for (const [name, value] of Object.entries({
        client_id: clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${edge.url}/auth/callback`,
        code_challenge: second.challenge,
        code_challenge_method: 'S256',
        prompt: 'login',
      })) {
        again.searchParams.set(name, value);
      }

      const { location: signInAgain } = await browser.request(again.href);
      const { location: resumeAgain } = await browser.request(signInAgain ?? '', {
        form: { username: 'ivan' },
      });
      const { response: confirm } = await browser.request(resumeAgain ?? '');
      // oidc-provider ends the old session through an auto-submitting form; its script must be allowed.
      const html = await confirm.text();
      const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
      const scriptHash = createHash('sha256').update(script).digest('base64');
      expect(confirm.headers.get('content-security-policy')).toContain(`'sha256-${scriptHash}'`);
      const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
      const fields = Object.fromEntries(
        [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [
          m[1],
          m[2],
        ]),
      );
      const { location: afterLogout } = await browser.request(new URL(action, edge.url).href, {
        form: fields,
      });
      const { location: callback } = await browser.request(afterLogout ?? '');
      const code = new URL(callback ?? '').searchParams.get('code') ?? '';
      const tokens = (await (
        await fetch(discovery.token_endpoint, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'authorization_code',
            code,
            code_verifier: second.verifier,
            redirect_uri: `${edge.url}/auth/callback`,
            client_id: clientId,
          }),
        })
      ).json()) as { access_token: string };

      expect(payloadOf(tokens.access_token)).toMatchObject({ username: 'ivan' });
    });

    it('keeps the form, explains the problem and issues nothing for an invalid username', async () => {
      const { browser, location } = await authorize();

      const { response, location: next } = await browser.request(location ?? '', {
        form: { username: 'not valid!', admin: 'yes' },
      });
      const html = await response.text();

      expect(response.status).toBe(400);
      expect(next).toBeUndefined();
      expect(html).toMatch(/<p class="error" id="username-error" role="alert">A username may only contain/);
      expect(html).toContain('value="not valid!"');
      expect(html).toContain('aria-invalid="true"');
      expect(html).toMatch(/name="admin" value="yes" checked/);
    });

    it('sends the person back to the app with access_denied when they cancel', async () => {
      const { browser, location } = await authorize();

      const { location: resume } = await browser.request(`${location}/abort`, { form: {} });
      const { location: callback } = await browser.request(resume ?? '');

      const answer = new URL(callback ?? '');
      expect(`${answer.origin}${answer.pathname}`).toBe(`${edge.url}/auth/callback`);
      expect(answer.searchParams.get('error')).toBe('access_denied');
      expect(answer.searchParams.get('state')).toBe('state-123');
    });

    it.each([
      ['without a code challenge', { code_challenge: '', code_challenge_method: '' }],
      ['with a plain code challenge', { code_challenge_method: 'plain' }],
    ])('refuses an authorization request %s', async (_case, params) => {
      const { location } = await authorize(params);

      const answer = new URL(location ?? '');
      expect(`${answer.origin}${answer.pathname}`).toBe(`${edge.url}/auth/callback`);
      expect(answer.searchParams.get('error')).toBe('invalid_request');
    });

    it('refuses a redirect URI that is not registered, without redirecting', async () => {
      const { response, location } = await authorize({ redirect_uri: 'http://evil.example/callback' });

      expect(response.status).toBe(400);
      expect(location).toBeUndefined();
      expect(await response.text()).toContain('redirect_uri');
    });

    it('refuses to exchange a code with the wrong verifier', async () => {
      const { browser, location } = await authorize();
      const { location: resume } = await browser.request(location ?? '', { form: { username: 'dave' } });
      const { location: callback } = await browser.request(resume ?? '');
      const code = new URL(callback ?? '').searchParams.get('code') ?? '';

      const response = await fetch(discovery.token_endpoint, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          code_verifier: pkce().verifier,
          redirect_uri: `${edge.url}/auth/callback`,
          client_id: clientId,
        }),
      });

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('refresh tokens', () => {
    it('answers a refresh token with every code exchange, as Cognito does, without offline_access', async () => {
      const tokens = await signIn('judy', false);

      expect(tokens.refresh_token).toEqual(expect.any(String));
      expect(tokens.token_type).toBe('Bearer');
    });

    it('renews the access token with the refresh token, for the same user and as hiroba accepts it', async () => {
      const verifier = joseTokenVerifier({ issuer: issuer.issuer, clientId, jwksUrl: issuer.jwksUri });
      const first = await signIn('kate', true);

      const response = await refresh(first.refresh_token ?? '');
      const renewed = (await response.json()) as TokenAnswer;

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(renewed.access_token).not.toBe(first.access_token);
      expect(renewed.expires_in).toBe(3600);
      expect(decodeProtectedHeader(renewed.access_token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
      expect(payloadOf(renewed.access_token)).toMatchObject({
        sub: payloadOf(first.access_token).sub,
        aud: clientId,
        client_id: clientId,
      });
      await expect(verifier.verify(renewed.access_token)).resolves.toMatchObject({
        username: 'kate',
        groups: ['admin'],
      });
    });

    it('does not rotate the refresh token: the renewal has no new one, and the first keeps working', async () => {
      const first = await signIn('leo', false);

      const renewed = (await (await refresh(first.refresh_token ?? '')).json()) as TokenAnswer;
      const again = await refresh(first.refresh_token ?? '');

      // Cognito leaves refresh_token out of the answer; oidc-provider repeats the one sent. Either way
      // the client keeps the refresh token it has.
      expect(renewed.refresh_token).toBe(first.refresh_token);
      expect(again.status).toBe(200);
    });

    it('refuses a refresh token once revoked at the revocation endpoint', async () => {
      const tokens = await signIn('mia', false);

      const revoked = await fetch(discovery.revocation_endpoint, {
        method: 'POST',
        body: new URLSearchParams({
          token: tokens.refresh_token ?? '',
          token_type_hint: 'refresh_token',
          client_id: clientId,
        }),
      });
      const response = await refresh(tokens.refresh_token ?? '');

      expect(revoked.status).toBe(200);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    });

    it('refuses a refresh token that it did not issue', async () => {
      const response = await refresh('not-a-refresh-token');

      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: 'invalid_grant' });
    });
  });

  describe('signing out, as at Cognito’s /logout', () => {
    const logout = (query: Record<string, string>) =>
      `${issuer.webConfig.auth.logoutUrl}?${new URLSearchParams(query)}`;

    /** Whether an authorization request from `browser` is answered at once, without the sign-in page. */
    async function signedIn(browser: Browser): Promise<boolean> {
      const url = new URL(discovery.authorization_endpoint);
      for (const [name, value] of Object.entries({
        client_id: clientId,
        response_type: 'code',
        scope: 'openid',
        redirect_uri: `${edge.url}/auth/callback`,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      })) {
        url.searchParams.set(name, value);
      }
      let { location: next } = await browser.request(url.href);
      while (next && !next.includes('/interaction/') && !next.startsWith(`${edge.url}/auth/callback`)) {
        ({ location: next } = await browser.request(next));
      }
      return new URL(next ?? '').searchParams.has('code');
    }

    it('ends the session and sends the browser to the app, leaving refresh tokens to be revoked', async () => {
      const { browser, tokens } = await signInWith('nina', false);
      expect(await signedIn(browser)).toBe(true);

      const { response, location } = await browser.request(
        logout({ client_id: clientId, logout_uri: edge.url }),
      );

      expect(response.status).toBe(302);
      expect(location).toBe(`${edge.url}/`);
      expect(response.headers.get('location')).toBe(edge.url);
      expect(await signedIn(browser)).toBe(false);
      expect((await refresh(tokens.refresh_token ?? '')).status).toBe(200);
    });

    it.each([
      [
        'a logout_uri that is not a sign-out URL',
        (): Record<string, string> => ({ logout_uri: 'http://evil.example' }),
      ],
      ['a logout_uri with a path', () => ({ logout_uri: `${edge.url}/elsewhere` })],
      ['no logout_uri', () => ({ logout_uri: '' })],
      ['an unknown client_id', () => ({ client_id: 'someone-else' })],
    ])('refuses %s without redirecting or ending the session', async (_case, params) => {
      const { browser } = await signInWith('olga', false);

      const { response, location } = await browser.request(
        logout({ client_id: clientId, logout_uri: edge.url, ...params() }),
      );

      expect(response.status).toBe(400);
      expect(location).toBeUndefined();
      expect(await response.text()).toContain('Sign-out failed');
      expect(await signedIn(browser)).toBe(true);
    });
  });

  describe('/config.json', () => {
    it('is served by the edge with the shape the stack deploys, pointing at this issuer', async () => {
      const response = await fetch(`${edge.url}/config.json`);
      const config = await response.json();

      expect(response.status).toBe(200);
      expect(config).toEqual({
        auth: {
          issuer: discovery.issuer,
          clientId,
          authorizeUrl: discovery.authorization_endpoint,
          tokenUrl: discovery.token_endpoint,
          revokeUrl: discovery.revocation_endpoint,
          logoutUrl: `${edge.url}/local/oidc/logout`,
        },
      });
    });

    it('is revalidated on every use, as the deployed one, under the security headers', async () => {
      const response = await fetch(`${edge.url}/config.json`);
      const etag = response.headers.get('etag') ?? '';
      const again = await fetch(`${edge.url}/config.json`, { headers: { 'if-none-match': etag } });

      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('cache-control')).toBe('no-cache');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(again.status).toBe(304);
    });
  });

  describe('POST /local/token', () => {
    it('issues the same kind of access token as signing in, for the same user', async () => {
      const response = await localToken({ username: 'alice' });
      const body = (await response.json()) as { accessToken: string; expiresIn: number };

      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(body.expiresIn).toBe(3600);
      const { payload, protectedHeader } = await jwtVerify(
        body.accessToken,
        createRemoteJWKSet(new URL(discovery.jwks_uri)),
        { issuer: issuer.issuer, audience: clientId, typ: 'at+jwt' },
      );
      expect(protectedHeader.alg).toBe('RS256');
      expect(payload).toMatchObject({ sub: aliceId, username: 'alice', client_id: clientId });
      expect(payload).not.toHaveProperty('cognito:groups');
      expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(3600);
    });

    it('puts the groups asked for in cognito:groups', async () => {
      const response = await localToken({ username: 'erin', groups: ['admin', 'moderators'] });
      const { accessToken } = (await response.json()) as { accessToken: string };

      expect(payloadOf(accessToken)['cognito:groups']).toEqual(['admin', 'moderators']);
    });

    it('keeps each token to the groups its own request asked for', async () => {
      const [withAdmin, without] = await Promise.all([
        localToken({ username: 'frank', groups: ['admin'] }),
        localToken({ username: 'frank' }),
      ]);

      expect(payloadOf(((await withAdmin.json()) as { accessToken: string }).accessToken)).toMatchObject({
        'cognito:groups': ['admin'],
      });
      expect(payloadOf(((await without.json()) as { accessToken: string }).accessToken)).not.toHaveProperty(
        'cognito:groups',
      );
    });

    it('maps usernames to ids case-sensitively', async () => {
      const response = await localToken({ username: 'Alice' });
      const { accessToken } = (await response.json()) as { accessToken: string };

      expect(payloadOf(accessToken).sub).toBe(capitalAliceId);
    });

    it.each([
      ['no username', {}, { username: 'Enter a username.' }],
      ['an empty username', { username: '' }, { username: 'Enter a username.' }],
      [
        'a username of 41 characters',
        { username: 'a'.repeat(41) },
        { username: expect.stringMatching(/at most 40/) },
      ],
      [
        'a username with a space',
        { username: 'al ice' },
        { username: expect.stringMatching(/may only contain/) },
      ],
      ['a username that is not a string', { username: 42 }, { username: 'Enter a username.' }],
      ['groups that are not a list', { username: 'alice', groups: 'admin' }, { groups: expect.any(String) }],
      ['an empty group name', { username: 'alice', groups: [''] }, { 'groups[0]': expect.any(String) }],
      [
        'a group name with a space',
        { username: 'alice', groups: ['ok', 'a b'] },
        { 'groups[1]': expect.any(String) },
      ],
      ['a body that is not JSON', '{"username": alice', { body: expect.any(String) }],
      ['a JSON array', '["alice"]', { body: expect.any(String) }],
    ])('answers 400 invalid for %s', async (_case, body, details) => {
      const response = await localToken(body);

      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: { code: 'invalid', message: 'The token request is not valid.', details },
      });
    });

    it('answers 405 to anything but POST', async () => {
      const response = await fetch(`${edge.url}/local/token`);

      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  describe('state', () => {
    it('keeps the signing key and the users in the state directory, so tokens outlive a restart', async () => {
      const before = (await (await localToken({ username: 'grace', groups: ['admin'] })).json()) as {
        accessToken: string;
      };
      const restarted = await createLocalIssuer({ origin: edge.url, stateDir: join(root, 'state') });
      const restartedKeys = await servedJwks(restarted);

      const { payload } = await jwtVerify(before.accessToken, createLocalJWKSet(restartedKeys), {
        issuer: restarted.issuer,
      });
      expect(payload).toMatchObject({ username: 'grace', 'cognito:groups': ['admin'] });
      const keyFile = await stat(join(root, 'state', 'oidc', 'signing-keys.json'));
      expect(keyFile.mode & 0o777).toBe(0o600);
      const users = JSON.parse(await readFile(join(root, 'state', 'oidc', 'users.json'), 'utf8')) as {
        users: Array<{ id: string; username: string; groups: string[] }>;
      };
      expect(users.users).toContainEqual(expect.objectContaining({ id: aliceId, username: 'alice' }));
      expect(users.users).toContainEqual(expect.objectContaining({ username: 'grace', groups: ['admin'] }));
    });

    it('gives the same username the same id with fresh state', async () => {
      const fresh = await createLocalIssuer({ origin: edge.url, stateDir: join(root, 'other-state') });

      const { accessToken } = await fresh.issueAccessToken('alice', []);

      expect(payloadOf(accessToken).sub).toBe(aliceId);
      expect(await servedJwks(fresh)).not.toEqual(await servedJwks(issuer));
    });
  });
});

/** The JWKS an issuer serves, read through a server of its own. */
async function servedJwks(issuer: LocalIssuer): Promise<JSONWebKeySet> {
  const server: Server = createServer((req, res) => {
    req.url = new URL(issuer.jwksUri).pathname;
    void issuer.handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return (await response.json()) as JSONWebKeySet;
  } finally {
    server.close();
  }
}
