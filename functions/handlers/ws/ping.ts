import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { webSocketMessageHandler } from '#shared/middleware/websocket';

const notifier = wiring.notifier();
const chargeFrame = wiring.chargeFrame();

export const handler = webSocketMessageHandler(
  { notifier, chargeFrame, data: z.unknown(), authenticated: false },
  ({ reply }) => reply({ type: 'pong' }),
);
