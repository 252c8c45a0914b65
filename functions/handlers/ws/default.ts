import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { DomainError } from '#shared/errors';
import { webSocketMessageHandler } from '#shared/middleware/websocket';

const notifier = wiring.notifier();
const chargeFrame = wiring.chargeFrame();

/** API Gateway sends here every frame whose `type` names no route (or that is not JSON at all). */
export const handler = webSocketMessageHandler(
  { notifier, chargeFrame, data: z.unknown(), authenticated: false },
  async ({ frame: { type } }) => {
    const message =
      typeof type === 'string' ? `Unknown frame type "${type}".` : 'A frame needs a string "type".';
    throw new DomainError('invalid', message);
  },
);
