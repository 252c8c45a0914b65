import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { jsonBody, pathParameter } from '#shared/http-input';
import { authenticatedHandler } from '#shared/middleware/auth';
import { json } from '#shared/middleware/http';
import { messageJson } from '#shared/presenters';
import { attachments, clientMessageId, messageContent, withContentOrAttachments } from '#shared/validation';

const messages = wiring.messages();

const body = z
  .object({
    content: messageContent,
    clientMessageId: z.optional(clientMessageId),
    attachments: z._default(attachments, []),
  })
  .check(withContentOrAttachments);

export const handler = authenticatedHandler({ who: 'user' }, async ({ event, caller }) => {
  const input = jsonBody(event, body);
  const { message, created } = await messages.send(caller, {
    channelId: pathParameter(event, 'channelId'),
    content: input.content,
    clientMessageId: input.clientMessageId ?? null,
    attachments: input.attachments,
  });
  return json(created ? 201 : 200, messageJson(message, caller.userId));
});
