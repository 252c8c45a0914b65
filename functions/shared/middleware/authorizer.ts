import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { DomainError } from '../errors.ts';
import { logger } from '../logger.ts';

/** What API Gateway sends a WebSocket API's Lambda REQUEST authorizer on `$connect`. */
export interface WebSocketAuthorizerEvent {
  type: 'REQUEST';
  /** `arn:aws:execute-api:<region>:<account>:<api-id>/<stage>/$connect` */
  methodArn: string;
  headers?: Record<string, string | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  requestContext?: { connectionId?: string; routeKey?: string; requestId?: string };
}

/** Values an authorizer may hand the integration: API Gateway accepts strings, numbers and booleans only. */
export type AuthorizerContext = Record<string, string | number | boolean>;

/** An IAM policy answer: `principalId` and `context` reach the route's integration. */
export interface AuthorizerResult {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: { Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string }[];
  };
  context?: AuthorizerContext;
}

/** Lets `principalId` invoke `resource` (the `methodArn` being authorized), passing `context` along. */
export function allow(principalId: string, resource: string, context: AuthorizerContext): AuthorizerResult {
  return {
    principalId,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: resource }],
    },
    context,
  };
}

/**
 * Refuses the caller: API Gateway answers the handshake with 403. A refusal is an answer, not a failure,
 * so unlike `throw new Error('Unauthorized')` (API Gateway's other documented refusal, a 401) it is no
 * function error: the error metric and its alarm keep meaning that something broke.
 */
export function deny(resource: string): AuthorizerResult {
  return {
    principalId: 'anonymous',
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: resource }],
    },
  };
}

/**
 * The stack of Lambda authorizers. The handler returns a policy; an `unauthorized` domain error (a bad,
 * expired or missing credential) becomes {@link deny}'s policy and an info log line; anything else
 * thrown is logged as an error and becomes API Gateway's 500. The event carries the token, so it is
 * never logged.
 */
export function authorizerHandler(
  handler: (event: WebSocketAuthorizerEvent, context: Context) => Promise<AuthorizerResult>,
) {
  return middy<WebSocketAuthorizerEvent, AuthorizerResult>()
    .use(injectLambdaContext(logger, { resetKeys: true, logEvent: false }))
    .handler(async (event, context) => {
      logger.appendKeys({
        connectionId: event.requestContext?.connectionId,
        routeKey: event.requestContext?.routeKey,
      });
      try {
        return await handler(event, context);
      } catch (error) {
        if (error instanceof DomainError && error.kind === 'unauthorized') {
          logger.info('Refused a connection', { reason: error.message });
          return deny(event.methodArn);
        }
        logger.error('Authorizer failed', error as Error);
        throw error;
      }
    });
}
