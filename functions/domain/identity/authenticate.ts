import { apiKeyId, apiKeyMatches } from '#domain/api-keys/api-key-secret';
import type { ApiKeyStore } from '#domain/api-keys/ports';
import type { RateLimiter } from '#domain/quotas/ports';
import { makeChargeQuota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import type { Caller, TokenVerifier, UserStore } from './caller.ts';
import { makeIdentifyPerson } from './identify-person.ts';

/** Request headers as API Gateway passes them (payload format 2.0: lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | undefined>>;

/** Who sent a request: a person, a bot, or `undefined` for no credential at all (anonymous). */
export type Authenticate = (headers: RequestHeaders) => Promise<Caller | undefined>;

/** The ports `makeAuthenticate` needs; `now` decides when a key's last use is recorded. */
export interface AuthenticateDeps {
  tokens: TokenVerifier;
  users: UserStore;
  apiKeys: ApiKeyStore;
  rateLimiter: RateLimiter;
  now?: () => Date;
}

/** A key's last use is recorded at most this often, so bots do not cost a database write per request. */
const lastUsedResolutionMs = 60_000;

// RFC 6750's `Bearer` credential: the scheme is case-insensitive, the token is a b64token.
const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/**
 * Authenticates an HTTP request: `Authorization: Bearer <access token>` is a person, `X-Api-Key` a bot
 * charged to its key's rate limit. A credential that is present but not valid is always `unauthorized`,
 * on public routes too; sending both kinds at once is `invalid`.
 */
export function makeAuthenticate({
  tokens,
  users,
  apiKeys,
  rateLimiter,
  now = () => new Date(),
}: AuthenticateDeps): Authenticate {
  const identifyPerson = makeIdentifyPerson({ tokens, users });
  const chargeQuota = makeChargeQuota({ rateLimiter });

  async function identifyBot(value: string): Promise<Caller> {
    const key = value.trim();
    const id = apiKeyId(key);
    const stored = id === undefined ? undefined : await apiKeys.find(id);
    if (!stored || !apiKeyMatches(key, stored.keyHash)) {
      throw new DomainError('unauthorized', 'The API key is not valid.');
    }
    // Charged only once the key is proven: a bot's id is public (it is the userId on its messages), so
    // charging unproven keys would let anyone spend a bot's budget.
    await chargeQuota(quotas.apiKeyRequests, stored.id);
    const at = now();
    const recordedSince = new Date(at.getTime() - lastUsedResolutionMs);
    if (!stored.lastUsedAt || stored.lastUsedAt < recordedSince) {
      await apiKeys.markUsed(stored.id, at, recordedSince);
    }
    return {
      userId: stored.id,
      userName: stored.name,
      kind: 'bot',
      accessUserId: stored.ownerId,
      isAdmin: stored.ownerIsAdmin,
      apiKeyId: stored.id,
    };
  }

  return async (headers) => {
    const authorization = header(headers, 'authorization');
    const apiKey = header(headers, 'x-api-key');
    if (authorization !== undefined && apiKey !== undefined) {
      throw new DomainError('invalid', 'Send either an access token or an API key, not both.', {
        details: {
          authorization: 'Not allowed together with X-Api-Key',
          'x-api-key': 'Not allowed together with Authorization',
        },
      });
    }
    if (apiKey !== undefined) return identifyBot(apiKey);
    if (authorization === undefined) return undefined;
    const token = bearer.exec(authorization)?.[1];
    if (!token)
      throw new DomainError('unauthorized', 'The Authorization header must be "Bearer <access token>".');
    return identifyPerson(token);
  };
}

/** A header's value whatever the case of its name (API Gateway lower-cases them; tests and tools may not). */
function header(headers: RequestHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (value !== undefined && key.toLowerCase() === name) return value;
  }
  return undefined;
}
