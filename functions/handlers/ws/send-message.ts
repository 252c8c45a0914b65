import * as z from 'zod/mini';
import { wiring } from '#adapters/wiring';
import { errorData } from '#shared/errors';
import { webSocketMessageHandler } from '#shared/middleware/websocket';
import { messageJson } from '#shared/presenters';
import { attachments, clientMessageId, messageContent, withContentOrAttachments } from '#shared/validation';

const messages = wiring.messages();

/** `message:send` data; `channel_id` is accepted for `channelId`, as the contract allows. */
const data = z.pipe(
  z
    .object({
      id: clientMessageId,
      channelId: z.optional(z.string().check(z.minLength(1))),
      channel_id: z.optional(z.string().check(z.minLength(1))),
      content: messageContent,
      attachments: z._default(attachments, []),
    })
    .check(withContentOrAttachments),
  z.transform(({ channel_id, channelId, ...rest }, ctx) => {
    const id = channelId ?? channel_id;
    if (id === undefined) {
      ctx.issues.push({ code: 'custom', message: 'is required', input: undefined, path: ['channelId'] });
      return z.NEVER;
    }
    return { ...rest, channelId: id };
  }),
);

/** The sender's id for its answer, when the frame carried a usable one. */
function frameId(frame: Record<string, unknown>): string | undefined {
  const id = (frame.data as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && clientMessageId.safeParse(id).success ? id : undefined;
}

export const handler = webSocketMessageHandler(
  {
    notifier: wiring.notifier(),
    chargeFrame: wiring.chargeFrame(),
    data,
    onError: (error, frame) => {
      const id = frameId(frame);
      const { code, message, details } = errorData(error);
      return id === undefined
        ? { type: 'error', data: { code, message, details } }
        : { type: 'message:error', data: { id, success: false, error: message, code, details } };
    },
  },
  async ({ data, caller, reply }) => {
    const { message } = await messages.send(caller, {
      channelId: data.channelId,
      content: data.content,
      clientMessageId: data.id,
      attachments: data.attachments,
    });
    await reply({
      type: 'message:saved',
      data: { id: data.id, success: true, message: messageJson(message, caller.userId) },
    });
  },
);
