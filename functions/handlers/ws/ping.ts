import * as z from 'zod/mini';
import { apiGatewayNotifier } from '#adapters/api-gateway-notifier';
import { managementConfig } from '#shared/config';
import { webSocketMessageHandler } from '#shared/middleware/websocket';

const notifier = apiGatewayNotifier(managementConfig());

export const handler = webSocketMessageHandler(
  { notifier, data: z.unknown(), authenticated: false },
  ({ reply }) => reply({ type: 'pong' }),
);
