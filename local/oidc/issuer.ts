/**
 * The local OIDC issuer: what the Cognito user pool is in AWS, served by the edge under `/local/oidc`.
 *
 * All of OAuth is oidc-provider's: discovery, the JWKS, the authorization endpoint (code flow, PKCE
 * with S256 required), the token endpoint (codes and refresh tokens) and token revocation. This module
 * only configures it for one public client, `hiroba-local`, adds the sign-in page (the provider's
 * "interaction"), Cognito's sign-out endpoint (`GET /local/oidc/logout?client_id=…&logout_uri=…`) and
 * the contract's `POST /local/token` shortcut, which issues the same tokens without a browser.
 *
 * Refresh tokens behave as the Cognito app client's: issued with every code exchange (no
 * `offline_access` scope needed), valid 30 days, not rotated (each refresh answers new access and ID
 * tokens and no new refresh token, so the one the app holds stays valid until it expires or is
 * revoked), and not bound to the issuer's browser session: signing out at `/logout` ends the session
 * but leaves refresh tokens alone, as Cognito's `/logout` does; the app revokes its refresh token at the
 * revocation endpoint (Cognito's `/oauth2/revoke`), which ends every token of that sign-in.
 *
 * Access tokens are RFC 9068 JWTs (`typ: at+jwt`, audience `hiroba-local`), issued through the
 * provider's resource indicators feature: every request is for one resource, the API, whose tokens
 * are JWTs for our client. They carry `username` and `cognito:groups` under Cognito's claim names, so
 * hiroba reads both issuers' tokens the same way.
 *
 * What differs from Cognito, on purpose: no passwords (any valid username signs in and the user is
 * created on first use), and sessions, codes and grants live in memory (a restart signs the browser
 * out of the issuer; tokens already issued stay valid because the signing key persists).
 */

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import Provider, { type AccessTokenModel, errors, type ResourceServerInfo } from 'oidc-provider';
import { createMemoryAdapter } from 'oidc-provider/lib/adapters/memory_adapter.js';
import { adminGroup } from '#domain/identity/caller';
import { authCallbackPath, type WebConfig } from '../../lib/web-config.ts';
import { splitTarget } from '../apigw/request.ts';
import { readBody } from '../http-body.ts';
import { allowPageStyle, messagePage, signInPage, signOutPage } from './pages.ts';
import { loadSigningKeys } from './signing-keys.ts';
import { type LocalUser, openUserDirectory, usernameProblem } from './users.ts';

/** The one app client of the local issuer: public (no secret), authorization code with PKCE. */
const localClientId = 'hiroba-local';

/** Where the edge serves the issuer; the issuer identifier is the edge's origin plus this path. */
const issuerPath = '/local/oidc';

/** The contract's local-only token shortcut. */
export const localTokenPath = '/local/token';

/** Access tokens live an hour, as Cognito's do by default. */
const accessTokenSeconds = 3600;

/** Refresh tokens live 30 days, as the stack's web client's do (Cognito's default too). */
const refreshTokenSeconds = 30 * 24 * 3600;

/** Cognito's sign-out endpoint, under the issuer: `/logout?client_id=…&logout_uri=…`. */
const logoutPath = `${issuerPath}/logout`;

/** Options of {@link createLocalIssuer}. */
export interface LocalIssuerOptions {
  /** The edge's origin (`http://127.0.0.1:3000`); known only once the edge listens. */
  readonly origin: string;
  /** The state directory; keys and users live in its `oidc/` subdirectory. */
  readonly stateDir: string;
}

/** An access token as `POST /local/token` answers it. */
export interface IssuedToken {
  accessToken: string;
  /** Seconds until it expires. */
  expiresIn: number;
}

/** A configured local issuer, ready to be mounted on the edge. */
export interface LocalIssuer {
  /** The issuer identifier, the tokens' `iss`: `<origin>/local/oidc`. */
  readonly issuer: string;
  readonly clientId: string;
  /** The discovery document's `jwks_uri`. */
  readonly jwksUri: string;
  /** The web app's `config.json` for this issuer, in the shape the stack deploys it. */
  readonly webConfig: WebConfig;
  /**
   * Serves `/local/oidc/*` and `/local/token`; resolves `false` for any other path, as the edge's
   * `local` callback expects.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Issues an access token for `username` (created on first use) with `groups`, as `/local/token` does. */
  issueAccessToken(username: string, groups: readonly string[]): Promise<IssuedToken>;
}

const maxFormBytes = 8 * 1024;
const maxTokenRequestBytes = 16 * 1024;
// Cognito's GroupName: 1 to 128 letters, marks, symbols, numbers or punctuation.
const groupPattern = /^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u;

/** Builds the local issuer for an edge listening at `origin`. */
export async function createLocalIssuer(options: LocalIssuerOptions): Promise<LocalIssuer> {
  const origin = options.origin.replace(/\/$/, '');
  const issuer = `${origin}${issuerPath}`;
  // The resource indicator of hiroba's API: every authorization is for it, so every token is its JWT.
  const apiResource = `${origin}/api`;
  const stateDir = join(options.stateDir, 'oidc');
  const keys = await loadSigningKeys(join(stateDir, 'signing-keys.json'));
  const users = await openUserDirectory(join(stateDir, 'users.json'));
  // Where the app may return after signing out: its origin, as `location.origin` spells it, exactly as
  // the stack registers the distribution's origin as the Cognito client's sign-out URL.
  const signOutUrls = [origin];
  // The session cookie's options, to clear it on sign-out as the provider sets it.
  const sessionCookie = { httpOnly: true, sameSite: 'lax' } as const;

  const apiServer: ResourceServerInfo = {
    // The API has no scopes of its own: a token lets its user do what that user may do.
    scope: '',
    audience: localClientId,
    accessTokenFormat: 'jwt',
    accessTokenTTL: accessTokenSeconds,
    jwt: { sign: { alg: 'RS256' } },
  };

  // Claims fixed by whoever mints a token directly (`/local/token`), so that two requests for the same
  // user with different groups cannot swap groups between them through the directory.
  const mintedClaims = new WeakMap<AccessTokenModel, Record<string, unknown>>();

  const provider = new Provider(issuer, {
    // oidc-provider's own in-memory storage, passed explicitly: sessions, codes and grants need not
    // survive a restart locally (and passing it keeps the provider from warning that they do not).
    adapter: createMemoryAdapter(),
    clients: [
      {
        client_id: localClientId,
        client_name: 'hiroba (local)',
        application_type: 'web',
        token_endpoint_auth_method: 'none',
        redirect_uris: [`${origin}/`, `${origin}${authCallbackPath}`],
        post_logout_redirect_uris: signOutUrls,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
    // Only what the one client uses, so that discovery advertises nothing else.
    responseTypes: ['code'],
    scopes: ['openid'],
    jwks: keys,
    // Development keys for the signed session cookies; sessions live in memory anyway.
    cookies: { keys: [randomBytes(32).toString('base64url')], long: sessionCookie },
    ttl: {
      AccessToken: accessTokenSeconds,
      AuthorizationCode: 60,
      IdToken: accessTokenSeconds,
      RefreshToken: refreshTokenSeconds,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      // A grant outlives the refresh tokens issued under it, or they would die with it.
      Grant: refreshTokenSeconds,
    },
    pkce: { required: () => true },
    // As Cognito: every code exchange also answers a refresh token, with no `offline_access` scope.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Cognito does not rotate refresh tokens unless the client turns rotation on; the stack's does not.
    rotateRefreshToken: () => false,
    // Tokens outlive the issuer's browser session, as Cognito's outlive its managed login session.
    expiresWithSession: async () => false,
    // The web app is served from the same origin; nobody else may call the endpoints from a browser.
    clientBasedCORS: (_ctx, requestOrigin) => requestOrigin === origin,
    interactions: { url: (_ctx, interaction) => `${issuerPath}/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      return users.byId(sub) ? { accountId: sub, claims: () => ({ sub }) } : undefined;
    },
    async extraTokenClaims(_ctx, token) {
      if (token.kind !== 'AccessToken') return undefined;
      const minted = mintedClaims.get(token);
      if (minted) return minted;
      const user = token.accountId ? users.byId(token.accountId) : undefined;
      return user ? claimsOf(user) : undefined;
    },
    // hiroba's own app needs no consent screen: it is granted whatever OpenID scopes it asks for.
    async loadExistingGrant(ctx) {
      const { client, session, result, requestParamOIDCScopes } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await ctx.oidc.provider.Grant.find(grantId) : undefined;
      const grant =
        existing?.accountId === session.accountId
          ? existing
          : new ctx.oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
      if (requestParamOIDCScopes.size > 0) grant.addOIDCScope([...requestParamOIDCScopes].join(' '));
      await grant.save();
      return grant;
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = messagePage(
        'Sign-in failed',
        out.error_description ? `${out.error}: ${out.error_description}` : out.error,
      );
    },
    features: {
      // The provider's demo login pages are replaced by the sign-in page below.
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => apiResource,
        async getResourceServerInfo(_ctx, resource) {
          if (resource !== apiResource) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return apiServer;
        },
        // A token request without `resource` is for the resource the authorization was for.
        useGrantedResource: async () => true,
      },
      // Cognito's `/oauth2/revoke`: a public client revokes its refresh token with its client_id.
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = signOutPage(form);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = messagePage('Signed out', 'You have signed out of the local issuer.');
        },
      },
    },
  });
  const serveProvider = provider.callback();

  async function issueAccessToken(username: string, groups: readonly string[]): Promise<IssuedToken> {
    const user = await users.signIn(username, groups);
    const client = await provider.Client.find(localClientId);
    if (!client) throw new Error(`The local issuer lost its client ${localClientId}`);
    const token = new provider.AccessToken({
      accountId: user.id,
      client,
      resourceServer: new provider.ResourceServer(apiResource, apiServer),
    });
    mintedClaims.set(token, claimsOf(user));
    const accessToken = await token.save();
    return { accessToken, expiresIn: token.expiration };
  }

  /** The sign-in page: `GET` shows the form, `POST` signs in, `POST …/abort` cancels. */
  async function serveInteraction(
    req: IncomingMessage,
    res: ServerResponse,
    uid: string,
    abort: boolean,
  ): Promise<void> {
    const action = `${issuerPath}/interaction/${uid}`;
    let details: Awaited<ReturnType<typeof provider.interactionDetails>>;
    try {
      details = await provider.interactionDetails(req, res);
      if (details.uid !== uid) throw new errors.SessionNotFound('interaction mismatch');
    } catch (error) {
      if (!(error instanceof errors.SessionNotFound)) throw error;
      return sendHtml(
        res,
        400,
        messagePage(
          'Sign-in expired',
          'This sign-in request has expired or was already used. Start again from hiroba.',
        ),
      );
    }
    if (req.method === 'GET' && !abort) return sendHtml(res, 200, signInPage({ action }));
    if (req.method !== 'POST')
      return sendHtml(res, 405, messagePage('Not allowed', 'Use the form.'), 'GET, POST');
    if (abort) {
      return provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user cancelled signing in.' },
        { mergeWithLastSubmission: false },
      );
    }
    const form = new URLSearchParams((await readBody(req, maxFormBytes))?.toString() ?? '');
    const username = (form.get('username') ?? '').trim();
    const admin = form.get('admin') === 'yes';
    const problem = usernameProblem(username);
    if (problem) return sendHtml(res, 400, signInPage({ action, username, admin, error: problem }));
    const user = await users.signIn(username, admin ? [adminGroup] : []);
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id } },
      { mergeWithLastSubmission: false },
    );
  }

  /**
   * Cognito's `GET /logout?client_id=…&logout_uri=…`: ends the issuer's session (the next sign-in asks
   * again) and redirects to `logout_uri` when it is one of the client's sign-out URLs. Anything else is
   * refused with an error page, and ends nothing, as Cognito refuses it. Tokens already issued stay
   * valid (Cognito's `/logout` revokes none): the app revokes its refresh token first.
   */
  async function serveLogout(req: IncomingMessage, res: ServerResponse, rawQuery: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendHtml(res, 405, messagePage('Not allowed', 'Sign out with a GET request.'), 'GET, HEAD');
    }
    const query = new URLSearchParams(rawQuery);
    if (query.get('client_id') !== localClientId) {
      return sendHtml(res, 400, messagePage('Sign-out failed', 'client_id names no client of this issuer.'));
    }
    const logoutUri = query.get('logout_uri') ?? '';
    if (!signOutUrls.includes(logoutUri)) {
      return sendHtml(
        res,
        400,
        messagePage('Sign-out failed', 'logout_uri is not one of the sign-out URLs of this client.'),
      );
    }
    const ctx = provider.createContext(req, res);
    const session = await provider.Session.get(ctx);
    if (!session.new) await session.destroy();
    ctx.cookies.set(provider.cookieName('session'), null, sessionCookie);
    res.writeHead(302, { location: logoutUri, 'cache-control': 'no-store', 'content-length': 0 }).end();
  }

  /** `POST /local/token {"username", "groups"?}` → `200 {"accessToken", "expiresIn"}`. */
  async function serveLocalToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return sendJson(res, 405, {
        error: { code: 'method_not_allowed', message: 'Use POST /local/token with {"username": "alice"}.' },
      });
    }
    const body = await readBody(req, maxTokenRequestBytes);
    if (!body) {
      return sendJson(res, 413, { error: { code: 'too_large', message: 'The request body is too large.' } });
    }
    const request = parseTokenRequest(body.toString());
    if ('details' in request) {
      return sendJson(res, 400, {
        error: { code: 'invalid', message: 'The token request is not valid.', details: request.details },
      });
    }
    sendJson(res, 200, await issueAccessToken(request.username, request.groups));
  }

  return {
    issuer,
    clientId: localClientId,
    jwksUri: `${issuer}/jwks`,
    webConfig: {
      auth: {
        issuer,
        clientId: localClientId,
        authorizeUrl: `${issuer}/auth`,
        tokenUrl: `${issuer}/token`,
        revokeUrl: `${issuer}/token/revocation`,
        logoutUrl: `${origin}${logoutPath}`,
      },
    },
    issueAccessToken,
    async handle(req, res) {
      const { path, rawQueryString } = splitTarget(req.url);
      if (path === localTokenPath) {
        await serveLocalToken(req, res);
        return true;
      }
      if (path !== issuerPath && !path.startsWith(`${issuerPath}/`)) return false;
      const csp = res.getHeader('content-security-policy');
      const allowed = allowPageStyle(typeof csp === 'string' ? csp : undefined);
      if (allowed) res.setHeader('content-security-policy', allowed);
      if (path === logoutPath) {
        await serveLogout(req, res, rawQueryString);
        return true;
      }
      const interaction = /^\/local\/oidc\/interaction\/([A-Za-z0-9_-]+)(\/abort)?$/.exec(path);
      if (interaction) {
        await serveInteraction(req, res, interaction[1] as string, interaction[2] !== undefined);
        return true;
      }
      // Mounted as Express would mount it: the provider sees its own paths and finds the mount path
      // in `originalUrl`, so the URLs it writes keep the `/local/oidc` prefix.
      const original = req.url ?? '/';
      Object.assign(req, { originalUrl: original });
      const inner = original.slice(issuerPath.length);
      req.url = inner.startsWith('/') ? inner : `/${inner}`;
      await serveProvider(req, res);
      return true;
    },
  };
}

/** The claims hiroba reads, named as Cognito names them; like Cognito, no groups means no claim. */
function claimsOf(user: LocalUser): Record<string, unknown> {
  return {
    username: user.username,
    ...(user.groups.length > 0 && { 'cognito:groups': [...user.groups] }),
  };
}

type TokenRequest = { username: string; groups: string[] } | { details: Record<string, string> };

function parseTokenRequest(text: string): TokenRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { details: { body: 'Send a JSON object, e.g. {"username": "alice"}.' } };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { details: { body: 'Send a JSON object, e.g. {"username": "alice"}.' } };
  }
  const { username, groups = [] } = body as { username?: unknown; groups?: unknown };
  const details: Record<string, string> = {};
  const problem = usernameProblem(username);
  if (problem) details.username = problem;
  if (!Array.isArray(groups)) {
    details.groups = 'Send an array of group names, e.g. ["admin"].';
  } else {
    groups.forEach((group, index) => {
      if (typeof group !== 'string' || !groupPattern.test(group)) {
        details[`groups[${index}]`] = 'A group name has 1 to 128 characters and no spaces.';
      }
    });
  }
  if (Object.keys(details).length > 0) return { details };
  return { username: username as string, groups: groups as string[] };
}

function sendHtml(res: ServerResponse, status: number, html: string, allow?: string): void {
  const headers: Record<string, string | number> = {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  };
  if (allow) headers.allow = allow;
  res.writeHead(status, headers).end(html);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    })
    .end(text);
}
