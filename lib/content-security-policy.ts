/**
 * The content security policy of every response, one definition for both worlds: the stack's response
 * headers policy sends it from CloudFront, and local AWS's edge sends it too, so the web app and the
 * local issuer's pages run locally under the policy they meet in production. Plain strings: no CDK
 * import (the stack passes tokens, which stay tokens inside the string).
 */

/** What the policy allows besides the app's own origin. */
export interface ContentSecurityPolicySources {
  /**
   * Origins the browser uploads images to directly (presigned POST or PUT to the media bucket): the
   * bucket's S3 endpoints in AWS, the local S3 emulator locally.
   */
  readonly uploadOrigins: readonly string[];
  /**
   * Origin of the sign-in domain, where the app exchanges its code, refreshes and revokes tokens with
   * `fetch`: Cognito's `https://<prefix>.auth.<region>.amazoncognito.com`, or the edge itself locally.
   */
  readonly authOrigin: string;
}

/**
 * The policy: same-origin everything, no inline script or style (the local issuer's pages add the
 * hashes of their own), images from the app's origin (`/images/*`) and `data:`/`blob:` URLs (previews
 * of images before they are uploaded), and `fetch`/WebSocket to the origin, the sign-in domain and the
 * upload endpoints.
 *
 * `'self'` in `connect-src` covers the app's WebSocket at `/ws` (`wss://` on an `https://` page, `ws://`
 * on the local `http://` one): CSP Level 3 matches `'self'` against `ws`/`wss` URLs of the same host and
 * port, and Chromium does (`CSPSource` matching as self accepts `wss` for any self scheme and `ws` for
 * `http`), as do Firefox and Safari. The distribution's own host cannot be spelt out instead: the policy
 * would then name the distribution that names the policy, a dependency cycle in CloudFormation.
 */
export function contentSecurityPolicy(sources: ContentSecurityPolicySources): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${[...sources.uploadOrigins, sources.authOrigin].join(' ')}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
