import * as z from 'zod/mini';
import { apiGatewayNotifier } from '#adapters/api-gateway-notifier';
import { managementConfig } from '#shared/config';
import { DomainError } from '#shared/errors';
import { webSocketMessageHandler } from '#shared/middleware/websocket';

const notifier = apiGatewayNotifier(managementConfig());

/** API Gateway sends here every frame whose `type` names no route (or that is not JSON at all). */
export const handler = webSocketMessageHandler(
  { notifier, data: z.unknown(), authenticated: false },
  async ({ frame: { type } }) => {
    const message =
      typeof type === 'string' ? `Unknown frame type "${type}".` : 'A frame needs a string "type".';
    throw new DomainError('invalid', message);
  },
);
