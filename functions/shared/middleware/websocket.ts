import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { ConnectionNotifier, Frame } from '#domain/connections/ports';
import { DomainError, errorCode } from '../errors.ts';
import { logger } from '../logger.ts';
import { httpStatus } from './http.ts';

export type WebSocketEvent = APIGatewayProxyWebsocketEventV2;
export type WebSocketResult = APIGatewayProxyResult;

const ok: WebSocketResult = { statusCode: 200, body: '' };

function withLogs(event: WebSocketEvent) {
  logger.appendKeys({
    connectionId: event.requestContext.connectionId,
    routeKey: event.requestContext.routeKey,
  });
}

/**
 * The stack of `$connect` and `$disconnect` handlers. On `$connect` a domain error refuses the handshake
 * with its HTTP status; anything else fails the invocation, which API Gateway answers with a 500.
 */
export function webSocketLifecycleHandler(
  handler: (event: WebSocketEvent, context: Context) => Promise<void>,
) {
  return middy<WebSocketEvent, WebSocketResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      withLogs(event);
      try {
        await handler(event, context);
        return ok;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        logger.info('Refused', { kind: error.kind, reason: error.message });
        return { statusCode: httpStatus[error.kind], body: '' };
      }
    });
}

export interface MessageContext<Data> {
  connectionId: string;
  data: Data;
  event: WebSocketEvent;
  /** Sends a frame back to the connection that sent this one. */
  reply(frame: Frame): Promise<void>;
}

/** An `error` frame for a failed client frame; internals never leak. */
export function errorFrame(error: unknown): Frame {
  if (error instanceof DomainError) {
    return {
      type: 'error',
      data: { code: errorCode(error.kind), message: error.message, details: error.details },
    };
  }
  return { type: 'error', data: { code: 'internal', message: 'Something went wrong on our side.' } };
}

/**
 * The stack of handlers for client frames. The frame's `data` is validated with `schema`; anything
 * malformed, and any domain error, is answered with an `error` frame and the connection stays open.
 * Route handlers answer through `reply` (the `@connections` API), not through their return value.
 */
export function webSocketMessageHandler<Schema extends z.ZodMiniType>(
  options: { notifier: ConnectionNotifier; data: Schema },
  handler: (message: MessageContext<z.infer<Schema>>, context: Context) => Promise<void>,
) {
  const { notifier } = options;
  return middy<WebSocketEvent, WebSocketResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      withLogs(event);
      const connectionId = event.requestContext.connectionId;
      const reply = async (frame: Frame) => {
        await notifier.send(connectionId, frame);
      };
      try {
        const data = parseData(event.body, options.data);
        await handler({ connectionId, data, event, reply }, context);
      } catch (error) {
        if (!(error instanceof DomainError)) logger.error('Unhandled error', error as Error);
        await reply(errorFrame(error));
      }
      return ok;
    });
}

function parseData<Schema extends z.ZodMiniType>(body: string | undefined, schema: Schema): z.infer<Schema> {
  let frame: unknown;
  try {
    frame = JSON.parse(body ?? '');
  } catch {
    frame = undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new DomainError('invalid', 'A frame must be a JSON object.');
  }
  const { data } = frame as { data?: unknown };
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const details = Object.fromEntries(
      parsed.error.issues.map((i) => [['data', ...i.path].join('.'), i.message]),
    );
    throw new DomainError('invalid', 'The frame is malformed.', { details });
  }
  return parsed.data;
}
