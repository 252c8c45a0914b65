import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { jsonBody } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { channelJson } from '#shared/presenters';
import { displayName, text } from '#shared/validation';

const channels = wiring.channels();

const body = z.object({
  name: displayName({ max: 80 }),
  description: z._default(text({ min: 0, max: 500, trim: true }), ''),
  visibility: z._default(z.enum(['public', 'private']), 'public'),
});

export const handler = authenticatedHandler({ who: 'person' }, async ({ event, caller }) => {
  const channel = await channels.create(caller, jsonBody(event, body));
  return json(201, channelJson(channel));
});
