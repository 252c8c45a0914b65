/**
 * The web app's runtime configuration, which it fetches from `/config.json` instead of having settings
 * baked into its build: in AWS the stack writes it into the web bucket at deploy time (Cognito's
 * endpoints), and local AWS serves its own (the local issuer's). Plain data: no CDK import, so local AWS
 * and the web app can read it cheaply.
 */

/** Where the web app's configuration lives, relative to the app's origin. */
export const webConfigFile = 'config.json';

/** Vite's output directory for content-hashed files: a file there never changes under its name. */
export const hashedAssetsDirectory = 'assets';

/** Hashed assets: any cache may keep them a year without asking again. */
export const immutableCacheControl = 'public, max-age=31536000, immutable';

/**
 * Everything else (`index.html`, `config.json`, unhashed files): caches keep it but revalidate it on
 * every use (a `304` when unchanged), so a deploy shows at once.
 */
export const revalidateCacheControl = 'no-cache';

/**
 * The `Cache-Control` a web file is stored with in the web bucket, by its key (`assets/index-D8_9.js`,
 * `index.html`), which CloudFront passes to browsers; local AWS's edge serves the same.
 */
export function webCacheControl(key: string): string {
  return key.startsWith(`${hashedAssetsDirectory}/`) ? immutableCacheControl : revalidateCacheControl;
}

/** The path the issuer sends the browser back to after sign-in (OIDC `redirect_uri` = origin + path). */
export const authCallbackPath = '/auth/callback';

/**
 * How the web app signs people in: the OIDC authorization code flow with PKCE against a public app client
 * (no secret), then access tokens on every API request.
 */
export interface WebAuthConfig {
  /** The issuer: every access token's `iss`. */
  readonly issuer: string;
  /** The public app client the web app signs in as. */
  readonly clientId: string;
  /** The authorization endpoint the browser is sent to, with the PKCE challenge. */
  readonly authorizeUrl: string;
  /** The token endpoint that exchanges the code and its PKCE verifier, and refreshes tokens. */
  readonly tokenUrl: string;
  /**
   * The revocation endpoint (RFC 7009) where signing out revokes the refresh token (with `client_id`,
   * the client being public), which also ends the access tokens issued from it.
   */
  readonly revokeUrl: string;
  /**
   * The sign-out endpoint the browser is sent to, with `client_id` and `logout_uri` (the app's origin,
   * exactly as `location.origin` spells it).
   */
  readonly logoutUrl: string;
}

/** The whole of `config.json`. */
export interface WebConfig {
  readonly auth: WebAuthConfig;
}
