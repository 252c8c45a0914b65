import { wiring } from '#adapters/wiring';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';

const channels = wiring.channels();

export const handler = authenticatedHandler({ who: 'user' }, async ({ event, caller }) => {
  await channels.remove(pathParameter(event, 'channelId'), caller);
  return { statusCode: 204 };
});
