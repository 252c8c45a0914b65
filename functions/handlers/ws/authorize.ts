import { createDataApi } from '#adapters/data-api';
import { dataApiUserStore } from '#adapters/data-api-users';
import { joseTokenVerifier } from '#adapters/jose-token-verifier';
import { makeIdentifyPerson } from '#domain/identity/identify-person';
import { authConfig, databaseConfig } from '#shared/config';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';
import { allow, authorizerHandler } from '#shared/middleware/authorizer';

const identifyPerson = makeIdentifyPerson({
  tokens: joseTokenVerifier(authConfig()),
  users: dataApiUserStore(createDataApi(databaseConfig())),
});

/**
 * `$connect`'s authorizer: a person's access token in `?token=` opens a connection (bots use HTTP only);
 * anything else is refused by the middleware stack with a deny policy (403).
 * Its context reaches every route of the connection as `requestContext.authorizer`.
 */
export const handler = authorizerHandler(async (event) => {
  const token = event.queryStringParameters?.token;
  if (!token) throw new DomainError('unauthorized', 'No access token.');
  const person = await identifyPerson(token);
  logger.appendKeys({ userId: person.userId });
  return allow(person.userId, event.methodArn, {
    userId: person.userId,
    userName: person.userName,
    isAdmin: person.isAdmin,
    tokenExpiresAt: Math.floor((person.expiresAt?.getTime() ?? 0) / 1000),
  });
});
