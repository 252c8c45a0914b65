import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyResult, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import type { ConnectionNotifier, Frame } from '#domain/connections/ports';
import type { ConnectedCaller } from '#domain/identity/caller';
import { FrameOverBudgetError } from '#domain/quotas/frame-budget';
import { DomainError, errorData } from '../errors.ts';
import { logger } from '../logger.ts';
import { validate } from '../validation.ts';
import { httpStatus } from './http.ts';

/** What API Gateway sends a WebSocket route integration. */
export type WebSocketEvent = APIGatewayProxyWebsocketEventV2;
/** A WebSocket route's answer; only its status code matters to API Gateway (frames go through `reply`). */
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

/** What a client frame's handler receives. */
export interface MessageContext<Data, Authenticated extends boolean = true> {
  connectionId: string;
  data: Data;
  /** The whole frame as received, `type` included. */
  frame: Record<string, unknown>;
  event: WebSocketEvent;
  /**
   * Who opened the connection, as the `$connect` authorizer established it, with the expiry of the
   * token they opened it with (authenticated routes).
   */
  caller: Authenticated extends true ? ConnectedCaller : undefined;
  /** Sends a frame back to the connection that sent this one. */
  reply(frame: Frame): Promise<void>;
}

/** An `error` frame for a failed client frame; internals never leak. */
export function errorFrame(error: unknown): Frame {
  return { type: 'error', data: errorData(error) };
}

/**
 * What the `$connect` authorizer put in the request context; API Gateway passes it to every route of
 * the connection (values flattened to strings, numbers and booleans).
 */
export function connectionCaller(event: WebSocketEvent): ConnectedCaller {
  const context = (event.requestContext as { authorizer?: Record<string, unknown> }).authorizer ?? {};
  const userId = context.userId;
  const userName = context.userName;
  const expires = Number(context.tokenExpiresAt);
  if (typeof userId !== 'string' || typeof userName !== 'string' || !Number.isFinite(expires)) {
    throw new DomainError('unauthorized', 'The connection has no authenticated user.');
  }
  const isAdmin = context.isAdmin === true || context.isAdmin === 'true';
  const expiresAt = new Date(expires * 1000);
  return { userId, userName, kind: 'person', accessUserId: userId, isAdmin, expiresAt };
}

/** Charges a frame to its budgets; see `makeChargeFrame` in `#domain/quotas/frame-budget`. */
export type ChargeFrame = (connectionId: string, userId: string | undefined) => Promise<void>;

/** How `webSocketMessageHandler` validates, authenticates and answers a frame. */
export interface MessageHandlerOptions<Schema extends z.ZodMiniType, Authenticated extends boolean> {
  notifier: ConnectionNotifier & { close(connectionId: string): Promise<void> };
  /** Charges each frame to its connection's and user's budgets before anything else happens. */
  chargeFrame: ChargeFrame;
  /** Schema of the frame's `data`. */
  data: Schema;
  /** Shapes the answer to a failed frame; `error` frames by default. */
  onError?: (error: unknown, frame: Record<string, unknown>) => Frame;
  /** Whether the frame needs an authenticated connection with a live token. @default true */
  authenticated?: Authenticated;
  now?: () => Date;
}

/** The connection's user as the authorizer recorded it, without requiring one. */
function connectionUserId(event: WebSocketEvent): string | undefined {
  const context = (event.requestContext as { authorizer?: Record<string, unknown> }).authorizer;
  return typeof context?.userId === 'string' ? context.userId : undefined;
}

/**
 * The stack of handlers for client frames. Each frame is first charged to its connection's and user's
 * budgets: one over budget is answered `error` `rate_limited` with `retryAfterSeconds` and goes no
 * further, and a connection that keeps exceeding them gets a last `error` frame saying so and is closed
 * (`DeleteConnection`). The frame's `data` is then validated with `schema`; anything
 * malformed, and any domain error, is answered with an error frame and the connection stays open.
 * Once the connection's access token has expired, its frames are refused with `unauthorized`.
 * Route handlers answer through `reply` (the `@connections` API), not through their return value.
 */
export function webSocketMessageHandler<Schema extends z.ZodMiniType, Authenticated extends boolean = true>(
  options: MessageHandlerOptions<Schema, Authenticated>,
  handler: (message: MessageContext<z.infer<Schema>, Authenticated>, context: Context) => Promise<void>,
) {
  const { notifier, onError = errorFrame, authenticated = true, now = () => new Date() } = options;
  return middy<WebSocketEvent, WebSocketResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      withLogs(event);
      const connectionId = event.requestContext.connectionId;
      const reply = async (frame: Frame) => {
        await notifier.send(connectionId, frame);
      };
      try {
        await options.chargeFrame(connectionId, connectionUserId(event));
      } catch (error) {
        if (!(error instanceof FrameOverBudgetError)) throw error;
        logger.warn('Frame over budget', { closeConnection: error.closeConnection });
        const { code, message } = errorData(error);
        await reply({
          type: 'error',
          data: { code, message, retryAfterSeconds: error.retryAfterSeconds },
        });
        if (error.closeConnection) await notifier.close(connectionId);
        return ok;
      }
      let frame: Record<string, unknown> = {};
      try {
        frame = parseFrame(event.body);
        const caller = authenticated ? connectionCaller(event) : undefined;
        if (caller && caller.expiresAt <= now()) {
          throw new DomainError('unauthorized', 'Your access token has expired; reconnect with a new one.');
        }
        if (caller) logger.appendKeys({ userId: caller.userId });
        const data = validate(options.data, frame.data, 'data');
        const message = { connectionId, data, frame, event, reply, caller };
        await handler(message as MessageContext<z.infer<Schema>, Authenticated>, context);
      } catch (error) {
        if (!(error instanceof DomainError)) logger.error('Unhandled error', error as Error);
        await reply(onError(error, frame));
      }
      return ok;
    });
}

function parseFrame(body: string | undefined): Record<string, unknown> {
  let frame: unknown;
  try {
    frame = JSON.parse(body ?? '');
  } catch {
    frame = undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    throw new DomainError('invalid', 'A frame must be a JSON object.');
  }
  return frame as Record<string, unknown>;
}
