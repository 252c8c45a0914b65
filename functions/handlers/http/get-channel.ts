import { wiring } from '#adapters/wiring';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { channelJson } from '#shared/presenters';

const channels = wiring.channels();

export const handler = authenticatedHandler({ who: 'anyone' }, async ({ event, caller }) =>
  json(200, channelJson(await channels.get(pathParameter(event, 'channelId'), caller))),
);
