import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { apiBodyTooLargeMessage, maxApiBodyBytes } from '../api-body-limit.ts';
import { DomainError, type ErrorKind, errorData } from '../errors.ts';
import { logger } from '../logger.ts';

/** What API Gateway's HTTP API sends a handler (payload format 2.0). */
export type HttpEvent = APIGatewayProxyEventV2;
/** A handler's answer, in the structured form payload format 2.0 accepts. */
export type HttpResult = APIGatewayProxyStructuredResultV2;

/** HTTP status of each kind of domain error. */
export const httpStatus: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'too-large': 413,
  'rate-limited': 429,
  unavailable: 503,
};

/** A JSON answer. API answers are never cached: they depend on who asks. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** The contract's error answer for any error: domain errors keep their kind, everything else is a bare 500. */
export function errorResponse(error: unknown): HttpResult {
  if (!(error instanceof DomainError)) {
    logger.error('Unhandled error', error as Error);
    return json(500, { error: errorData(error) });
  }
  const headers: Record<string, string> = {};
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = String(error.retryAfterSeconds);
  return json(httpStatus[error.kind], { error: errorData(error) }, headers);
}

const mapErrors = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  onError: async (request) => {
    request.response = errorResponse(request.error);
  },
});

/** Bytes of a payload format 2.0 body, decoded when API Gateway base64-encoded it. */
function bodyBytes(event: HttpEvent): number {
  if (event.body === undefined) return 0;
  if (!event.isBase64Encoded) return Buffer.byteLength(event.body, 'utf8');
  const padding = event.body.endsWith('==') ? 2 : event.body.endsWith('=') ? 1 : 0;
  return Math.floor((event.body.length * 3) / 4) - padding;
}

/**
 * Refuses a body over {@link maxApiBodyBytes} before anything parses it. CloudFront's function refuses
 * one whose `Content-Length` says so; this catches the rest (a chunked body, or a call that bypassed
 * the distribution) with the same answer.
 */
export const refuseOversizeBody = (): MiddlewareObj<HttpEvent, HttpResult> => ({
  before: async (request) => {
    if (bodyBytes(request.event) > maxApiBodyBytes) {
      throw new DomainError('too-large', apiBodyTooLargeMessage);
    }
  },
});

/** The middleware stack of every HTTP API handler: structured logs, error mapping, then the body limit. */
export function httpHandler(handler: (event: HttpEvent, context: Context) => Promise<HttpResult>) {
  return middy<HttpEvent, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(mapErrors())
    .use(refuseOversizeBody())
    .handler(handler);
}
