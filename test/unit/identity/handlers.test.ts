import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENV } from '#shared/env';
import type { AuthorizerResult, WebSocketAuthorizerEvent } from '#shared/middleware/authorizer';
import type { HttpEvent, HttpResult } from '#shared/middleware/http';
import * as world from './support/handler-world.ts';
import {
  cognitoAccessClaims,
  makeKey,
  signToken,
  startJwksServer,
  type TestKey,
} from './support/test-issuer.ts';

// Everything real but the database and DynamoDB: tokens are verified by jose against a local JWKS.
const inWorld = () => import('./support/handler-world.ts');
vi.mock('#adapters/data-api-users', async () => {
  const { users } = await inWorld();
  return { dataApiUserStore: () => users.store };
});
vi.mock('#adapters/data-api-api-keys', async () => {
  const { apiKeys } = await inWorld();
  return { dataApiApiKeyStore: () => apiKeys.store };
});
vi.mock('#adapters/dynamodb-rate-limiter', async () => {
  const { rateLimiter } = await inWorld();
  return { dynamoDbRateLimiter: () => rateLimiter };
});

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
type HttpHandler = Handler<HttpEvent, HttpResult>;

const context = { functionName: 'test', awsRequestId: 'req-1' } as Context;
const clientId = 'hiroba-web';
const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/ws/$connect';
/** The authorizer's refusal: API Gateway answers 403, and the invocation is no function error. */
const denied = {
  principalId: 'anonymous',
  policyDocument: {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: methodArn }],
  },
};

describe('the identity handlers', () => {
  let key: TestKey;
  let jwks: Awaited<ReturnType<typeof startJwksServer>>;
  let handlers: {
    getMe: HttpHandler;
    createApiKey: HttpHandler;
    listApiKeys: HttpHandler;
    revokeApiKey: HttpHandler;
    authorize: Handler<WebSocketAuthorizerEvent, AuthorizerResult>;
  };
  let aliceToken: string;

  beforeAll(async () => {
    key = await makeKey('k1');
    jwks = await startJwksServer([key]);
    vi.stubEnv(ENV.authIssuer, jwks.issuer);
    vi.stubEnv(ENV.authClientId, clientId);
    vi.stubEnv(ENV.authJwksUrl, jwks.jwksUrl);
    vi.stubEnv(ENV.databaseClusterArn, 'arn:aws:rds:us-east-1:000000000000:cluster:test');
    vi.stubEnv(ENV.databaseSecretArn, 'arn:aws:secretsmanager:us-east-1:000000000000:secret:test');
    vi.stubEnv(ENV.databaseName, 'hiroba');
    vi.stubEnv(ENV.connectionsTable, 'connections');
    handlers = {
      getMe: (await import('#handlers/http/get-me')).handler,
      createApiKey: (await import('#handlers/http/create-api-key')).handler,
      listApiKeys: (await import('#handlers/http/list-api-keys')).handler,
      revokeApiKey: (await import('#handlers/http/revoke-api-key')).handler,
      authorize: (await import('#handlers/ws/authorize')).handler,
    };
    aliceToken = await signToken({ key, claims: cognitoAccessClaims(jwks.issuer, clientId), expiresIn: 900 });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await jwks?.stop();
  });

  function http(
    handler: HttpHandler,
    request: { headers?: Record<string, string>; body?: unknown; keyId?: string } = {},
  ) {
    const event = {
      rawPath: '/api/test',
      headers: request.headers ?? {},
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      isBase64Encoded: false,
      pathParameters: request.keyId === undefined ? undefined : { keyId: request.keyId },
      requestContext: {},
    } as unknown as HttpEvent;
    return handler(event, context).then((result) => ({
      status: result.statusCode,
      headers: result.headers ?? {},
      body: result.body ? JSON.parse(result.body) : undefined,
    }));
  }

  const asAlice = () => ({ authorization: `Bearer ${aliceToken}` });

  describe('GET /api/me', () => {
    it('describes a person, recording them', async () => {
      const me = await http(handlers.getMe, { headers: asAlice() });

      expect(me).toMatchObject({
        status: 200,
        body: {
          userId: '6c1f2a4e-0000-4000-8000-000000000001',
          userName: 'alice',
          kind: 'person',
          isAdmin: true,
        },
      });
      expect(world.users.rows.get('6c1f2a4e-0000-4000-8000-000000000001')).toEqual({
        username: 'alice',
        isAdmin: true,
      });
    });

    it('describes a bot', async () => {
      const created = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'reporter' } });

      const me = await http(handlers.getMe, { headers: { 'x-api-key': created.body.key } });

      expect(me).toMatchObject({
        status: 200,
        body: { userId: created.body.id, userName: 'reporter', kind: 'bot', isAdmin: false },
      });
    });

    it('answers 401 to an anonymous request, and to an expired token', async () => {
      const expired = await signToken({
        key,
        claims: cognitoAccessClaims(jwks.issuer, clientId),
        expiresIn: -1,
      });

      expect((await http(handlers.getMe)).status).toBe(401);
      const refused = await http(handlers.getMe, { headers: { authorization: `Bearer ${expired}` } });
      expect(refused).toMatchObject({ status: 401, body: { error: { code: 'unauthorized' } } });
    });
  });

  describe('API keys over HTTP', () => {
    it('creates a key: 201 with the secret, which then authenticates', async () => {
      const created = await http(handlers.createApiKey, {
        headers: asAlice(),
        body: { name: '  deploys  ' },
      });

      expect(created).toMatchObject({
        status: 201,
        body: {
          id: expect.any(String),
          name: 'deploys',
          key: expect.stringMatching(/^hrb_/),
          createdAt: expect.any(String),
        },
      });
      expect(new Date(created.body.createdAt).toISOString()).toBe(created.body.createdAt);
      expect((await http(handlers.getMe, { headers: { 'x-api-key': created.body.key } })).status).toBe(200);
    });

    it('answers 400 naming the field for a bad name, and for a body that is not JSON', async () => {
      const blank = await http(handlers.createApiKey, { headers: asAlice(), body: { name: ' ' } });
      expect(blank).toMatchObject({
        status: 400,
        body: { error: { code: 'invalid', details: { name: expect.any(String) } } },
      });

      const notJson = await handlers.createApiKey(
        {
          rawPath: '/api/api-keys',
          headers: asAlice(),
          body: '{name',
          requestContext: {},
        } as unknown as HttpEvent,
        context,
      );
      expect(notJson.statusCode).toBe(400);
    });

    it('lists keys newest first without secrets', async () => {
      const first = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'first' } });
      world.clock.advance(1_000);
      const second = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'second' } });

      const list = await http(handlers.listApiKeys, { headers: asAlice() });

      expect(list.status).toBe(200);
      const ids = list.body.map((k: { id: string }) => k.id);
      expect(ids.indexOf(second.body.id)).toBeLessThan(ids.indexOf(first.body.id));
      expect(list.body[0]).toEqual({
        id: second.body.id,
        name: 'second',
        createdAt: second.body.createdAt,
        lastUsedAt: null,
      });
      expect(JSON.stringify(list.body)).not.toContain('hrb_');
    });

    it('shows when a key was last used', async () => {
      const created = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'used' } });
      await http(handlers.getMe, { headers: { 'x-api-key': created.body.key } });

      const list = await http(handlers.listApiKeys, { headers: asAlice() });

      const listed = list.body.find((k: { id: string }) => k.id === created.body.id);
      expect(Math.abs(Date.parse(listed.lastUsedAt) - Date.now())).toBeLessThan(5_000);
    });

    it('revokes a key: 204, then the key answers 401', async () => {
      const created = await http(handlers.createApiKey, {
        headers: asAlice(),
        body: { name: 'short-lived' },
      });

      const revoked = await http(handlers.revokeApiKey, { headers: asAlice(), keyId: created.body.id });

      expect(revoked.status).toBe(204);
      expect((await http(handlers.getMe, { headers: { 'x-api-key': created.body.key } })).status).toBe(401);
      expect((await http(handlers.revokeApiKey, { headers: asAlice(), keyId: created.body.id })).status).toBe(
        404,
      );
    });

    it('answers 404 for a malformed key id', async () => {
      const revoked = await http(handlers.revokeApiKey, { headers: asAlice(), keyId: 'drop table' });

      expect(revoked).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
    });

    it('answers 403 to a bot on every API key route', async () => {
      const created = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'curious' } });
      const asBot = { 'x-api-key': created.body.key };

      expect((await http(handlers.createApiKey, { headers: asBot, body: { name: 'x' } })).status).toBe(403);
      expect((await http(handlers.listApiKeys, { headers: asBot })).status).toBe(403);
      expect((await http(handlers.revokeApiKey, { headers: asBot, keyId: created.body.id })).status).toBe(
        403,
      );
    });
  });

  describe('the WebSocket authorizer', () => {
    const connect = (token?: string): WebSocketAuthorizerEvent => ({
      type: 'REQUEST',
      methodArn,
      queryStringParameters: token === undefined ? {} : { token },
      requestContext: { connectionId: 'conn-1=', routeKey: '$connect' },
    });

    it("allows a person's connection, passing who they are to the routes", async () => {
      const result = await handlers.authorize(connect(aliceToken), context);

      expect(result).toEqual({
        principalId: '6c1f2a4e-0000-4000-8000-000000000001',
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: methodArn }],
        },
        context: {
          userId: '6c1f2a4e-0000-4000-8000-000000000001',
          userName: 'alice',
          isAdmin: true,
          tokenExpiresAt: expect.any(Number),
        },
      });
      expect(Math.abs((result.context?.tokenExpiresAt as number) - (Date.now() / 1000 + 900))).toBeLessThan(
        10,
      );
    });

    it('records the person on connect', async () => {
      const bob = await signToken({
        key,
        claims: cognitoAccessClaims(jwks.issuer, clientId, {
          sub: 'bob-sub',
          username: 'bob',
          'cognito:groups': [],
        }),
      });

      await handlers.authorize(connect(bob), context);

      expect(world.users.rows.get('bob-sub')).toEqual({ username: 'bob', isAdmin: false });
    });

    it.each([
      ['no token', undefined],
      ['an empty token', ''],
      ['a garbage token', 'garbage'],
    ])('denies %s with a policy, not a function error', async (_, token) => {
      await expect(handlers.authorize(connect(token), context)).resolves.toEqual(denied);
    });

    it('denies an expired token and an ID token', async () => {
      const expired = await signToken({
        key,
        claims: cognitoAccessClaims(jwks.issuer, clientId),
        expiresIn: -1,
      });
      const idToken = await signToken({
        key,
        claims: { iss: jwks.issuer, sub: 'x', aud: clientId, token_use: 'id', username: 'x' },
      });

      await expect(handlers.authorize(connect(expired), context)).resolves.toEqual(denied);
      await expect(handlers.authorize(connect(idToken), context)).resolves.toEqual(denied);
    });

    it('refuses an API key: bots do not use WebSockets', async () => {
      const created = await http(handlers.createApiKey, { headers: asAlice(), body: { name: 'ws bot' } });

      await expect(handlers.authorize(connect(created.body.key), context)).resolves.toEqual(denied);
    });
  });
});
