import { wiring } from '#adapters/wiring';
import { historyPage, pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { messageJson } from '#shared/presenters';

const messages = wiring.messages();

export const handler = authenticatedHandler({ who: 'anyone' }, async ({ event, caller }) => {
  const page = await messages.read(caller, pathParameter(event, 'channelId'), historyPage(event));
  return json(200, {
    messages: page.messages.map((message) => messageJson(message, caller?.userId)),
    total: page.total,
    hasMore: page.hasMore,
  });
});
