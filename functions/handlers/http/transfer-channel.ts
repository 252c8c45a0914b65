import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { jsonBody, pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { memberJson } from '#shared/presenters';
import { text } from '#shared/validation';

const channels = wiring.channels();

const body = z.object({ userId: text({ min: 1, max: 200 }) });

export const handler = authenticatedHandler({ who: 'user' }, async ({ event, caller }) => {
  const channelId = pathParameter(event, 'channelId');
  const { userId } = jsonBody(event, body);
  const owner = await channels.transferOwnership(channelId, userId, caller);
  return json(200, memberJson(channelId, owner));
});
