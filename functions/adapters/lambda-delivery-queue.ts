import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { DeliveryQueue, Message } from '#domain/messages/ports';

/** What the fan-out function receives: one stored message, dates as ISO strings. */
export interface FanOutEvent {
  message: Omit<Message, 'createdAt'> & { createdAt: string };
}

/** Reads a fan-out event back into a message. */
export function messageFromFanOutEvent(event: FanOutEvent): Message {
  return { ...event.message, createdAt: new Date(event.message.createdAt) };
}

/**
 * Queues delivery by invoking the fan-out function asynchronously: Lambda accepts the event at once
 * (the sender does not wait for a large channel's delivery) and retries it twice if it fails.
 */
export function lambdaDeliveryQueue({
  functionName,
  client,
}: {
  functionName: string;
  client?: LambdaClient;
}): DeliveryQueue {
  const lambda = client ?? new LambdaClient({});
  return {
    async enqueue(message: Message) {
      const event: FanOutEvent = { message: { ...message, createdAt: message.createdAt.toISOString() } };
      await lambda.send(
        new InvokeCommand({
          FunctionName: functionName,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify(event)),
        }),
      );
    },
  };
}
