import { wiring } from '#adapters/wiring';
import { pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { memberJson } from '#shared/presenters';

const channels = wiring.channels();

export const handler = authenticatedHandler({ who: 'anyone' }, async ({ event, caller }) => {
  const channelId = pathParameter(event, 'channelId');
  const members = await channels.members(channelId, caller);
  return json(
    200,
    members.map((member) => memberJson(channelId, member)),
  );
});
