import { wiring } from '#adapters/wiring';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { channelJson } from '#shared/presenters';

const channels = wiring.channels();

export const handler = authenticatedHandler({ who: 'anyone' }, async ({ caller }) =>
  json(200, (await channels.list(caller)).map(channelJson)),
);
