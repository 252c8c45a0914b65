import { wiring } from '#adapters/wiring';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { memberJson } from '#shared/presenters';

const channels = wiring.channels();

export const handler = authenticatedHandler({ who: 'user' }, async ({ event, caller }) => {
  const channelId = pathParameter(event, 'channelId');
  const member = await channels.addMember(channelId, pathParameter(event, 'userId'), caller);
  return json(200, memberJson(channelId, member));
});
