import {
  createRemoteJWKSet,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import type { TokenIdentity, TokenVerifier } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';

export interface JoseTokenVerifierOptions {
  /** The only accepted `iss`, compared exactly. */
  issuer: string;
  /** Our app client: Cognito's `client_id` claim, or one of an RFC 9068 token's audiences. */
  clientId: string;
  /** The issuer's JWKS document. */
  jwksUrl: string;
  /** Where the signing keys come from; defaults to the remote JWKS at `jwksUrl`. */
  keys?: JWTVerifyGetKey;
  /** The clock that decides expiry. */
  now?: () => Date;
}

// Cognito signs with RS256; the local issuer may use either.
const algorithms = ['RS256', 'ES256'];

/**
 * Verifies access tokens with `jose`. The remote key set is created once per verifier, so once per
 * container: it caches the issuer's keys and refetches them when a token names an unknown `kid` (at most
 * every 30 seconds), which is how key rotation reaches a warm container.
 *
 * A token is accepted when it is signed by one of the issuer's keys, has our `iss`, has not expired, and
 * names our app client in one of the two ways real issuers do:
 * - a Cognito access token: `token_use: "access"`, `client_id` = our client, and no `aud`;
 * - an RFC 9068 JWT access token: header `typ: "at+jwt"` and our client among its `aud`.
 * Everything else, Cognito ID tokens (`token_use: "id"`, `aud` = our client) above all, is refused.
 */
export function joseTokenVerifier(options: JoseTokenVerifierOptions): TokenVerifier {
  const { issuer, clientId, now = () => new Date() } = options;
  const remoteKeys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUrl));

  // A key set the issuer cannot serve (down, timing out, malformed) is our outage, not a bad token:
  // it must not send every signed-in user a 401 that makes clients drop good tokens.
  const keys: JWTVerifyGetKey = async (header, token) => {
    try {
      return await remoteKeys(header, token);
    } catch (error) {
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) {
        throw error;
      }
      throw new DomainError('unavailable', 'The sign-in service cannot be reached; try again shortly.', {
        cause: error,
        retryAfterSeconds: 5,
      });
    }
  };

  return {
    async verify(token) {
      let verified: { payload: JWTPayload; protectedHeader: ProtectedHeaderParameters };
      try {
        verified = await jwtVerify(token, keys, {
          issuer,
          algorithms,
          requiredClaims: ['exp', 'sub'],
          currentDate: now(),
        });
      } catch (error) {
        if (error instanceof DomainError) throw error;
        // jose's messages describe the failure (expired, bad signature...), never the token itself.
        throw new DomainError('unauthorized', `The access token is not valid: ${reason(error)}`, {
          cause: error,
        });
      }
      return identityOf(verified.payload, verified.protectedHeader, clientId);
    },
  };
}

function identityOf(payload: JWTPayload, header: ProtectedHeaderParameters, clientId: string): TokenIdentity {
  if (!namesOurClient(payload, header, clientId)) {
    throw new DomainError('unauthorized', 'The token is not an access token for this app.');
  }
  const { sub, username, exp } = payload;
  const groups = payload['cognito:groups'] ?? [];
  if (typeof sub !== 'string' || sub === '' || typeof username !== 'string' || username === '') {
    throw new DomainError('unauthorized', 'The access token names no user.');
  }
  if (!Array.isArray(groups) || !groups.every((group) => typeof group === 'string')) {
    throw new DomainError('unauthorized', 'The access token has malformed groups.');
  }
  return { sub, username, groups, expiresAt: new Date((exp ?? 0) * 1000) };
}

function namesOurClient(payload: JWTPayload, header: ProtectedHeaderParameters, clientId: string): boolean {
  const { aud, token_use: tokenUse, client_id: tokenClientId } = payload;
  if (isAccessTokenType(header.typ)) {
    // An RFC 9068 access token; a `token_use` other than "access" would make it something else.
    const audiences = Array.isArray(aud) ? aud : [aud];
    return audiences.includes(clientId) && (tokenUse === undefined || tokenUse === 'access');
  }
  // Cognito's access tokens carry no `aud`; its ID tokens do, and must never pass for access tokens.
  return tokenUse === 'access' && tokenClientId === clientId && aud === undefined;
}

/** `at+jwt`, also written with its media type prefix (RFC 9068 section 2.1); compared case-insensitively. */
function isAccessTokenType(typ: string | undefined): boolean {
  const type = typ?.toLowerCase();
  return type === 'at+jwt' || type === 'application/at+jwt';
}

function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired.';
  if (error instanceof errors.JWTClaimValidationFailed) return `the "${error.claim}" claim is wrong.`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted.';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify.';
  if (error instanceof errors.JWKSNoMatchingKey) return 'it is not signed by a key of the issuer.';
  return 'it is malformed.';
}
