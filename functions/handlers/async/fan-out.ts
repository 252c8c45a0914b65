import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type FanOutEvent, messageFromFanOutEvent } from '#adapters/lambda-delivery-queue';
import { wiring } from '#adapters/wiring';
import { logger } from '#shared/logger';

const broadcast = wiring.broadcast();

/**
 * Delivers one stored message to its channel's subscribers. Invoked asynchronously: a thrown error
 * makes Lambda retry the event, so only a failure to read the subscriptions throws; failed posts to
 * single connections are counted and logged.
 */
export const handler = middy<FanOutEvent, void>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .handler(async (event) => {
    const message = messageFromFanOutEvent(event);
    logger.appendKeys({ channelId: message.channelId, messageId: message.id, seq: message.seq });
    const result = await broadcast(message);
    logger.info('Delivered', { ...result });
  });
