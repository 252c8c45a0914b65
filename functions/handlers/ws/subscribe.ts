import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { webSocketMessageHandler } from '#shared/middleware/websocket';

const subscriptions = wiring.subscriptions();

export const handler = webSocketMessageHandler(
  {
    notifier: wiring.notifier(),
    chargeFrame: wiring.chargeFrame(),
    data: z.object({ channelId: z.string().check(z.minLength(1)) }),
  },
  async ({ data, reply, ...connection }) => {
    await subscriptions.subscribe(connection, data.channelId);
    await reply({ type: 'channel:subscribed', data: { channelId: data.channelId } });
  },
);
