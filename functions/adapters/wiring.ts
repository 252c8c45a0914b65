/**
 * Builds the use cases from their adapters, each once per container and only when first used: a
 * function reads only the configuration its own access provides (see `lib/api-routes.ts`).
 */
import { randomUUID } from 'node:crypto';
import { type ChannelService, makeChannelService } from '#domain/channels/channel-service';
import { makeAuthenticate } from '#domain/identity/authenticate';
import { makeMessageService } from '#domain/messages/message-service';
import { makeChargeFrame } from '#domain/quotas/frame-budget';
import { makeChargeQuota } from '#domain/quotas/quotas';
import { makeBroadcast } from '#domain/realtime/broadcast';
import { makeSubscriptions, type Subscriptions } from '#domain/realtime/subscriptions';
import { makeAttachImages } from '#domain/uploads/attachments';
import { makeCreateUpload } from '#domain/uploads/create-upload';
import {
  authConfig,
  connectionsConfig,
  databaseConfig,
  fanOutConfig,
  managementConfig,
  mediaConfig,
} from '#shared/config';
import { logger } from '#shared/logger';
import { once } from '#shared/once';
import { apiGatewayNotifier } from './api-gateway-notifier.ts';
import { createDataApi, type DataApi } from './data-api.ts';
import { dataApiApiKeyStore } from './data-api-api-keys.ts';
import { dataApiChannelStore } from './data-api-channels.ts';
import { dataApiMessageStore } from './data-api-messages.ts';
import { dataApiUploadStore } from './data-api-uploads.ts';
import { dataApiUserStore } from './data-api-users.ts';
import { dynamoDbConnectionStore, dynamoDbSubscriptionStore } from './dynamodb-connections.ts';
import { dynamoDbRateLimiter } from './dynamodb-rate-limiter.ts';
import { joseTokenVerifier } from './jose-token-verifier.ts';
import { lambdaDeliveryQueue } from './lambda-delivery-queue.ts';
import { s3ImageBucket } from './s3-image-bucket.ts';

const database = once(() => createDataApi(databaseConfig()));
const rateLimiter = once(() => dynamoDbRateLimiter(connectionsConfig()));
const apiKeys = once(() => dataApiApiKeyStore(database()));

const tokenVerifier = once(() => joseTokenVerifier(authConfig()));

/** Who is calling, from a bearer token or an API key, with users and keys read through `db`. */
const authenticateWith = (db: DataApi) =>
  makeAuthenticate({
    tokens: tokenVerifier(),
    users: dataApiUserStore(db),
    apiKeys: dataApiApiKeyStore(db),
    rateLimiter: rateLimiter(),
  });

/** `authenticateWith` the shared database; built on first use, once per container. */
const authenticate = once(() => authenticateWith(database()));
const notifier = once(() => apiGatewayNotifier(managementConfig()));
const connectionStore = once(() => dynamoDbConnectionStore(connectionsConfig()));
const subscriptionStore = once(() => dynamoDbSubscriptionStore(connectionsConfig()));
const chargeQuota = once(() => makeChargeQuota({ rateLimiter: rateLimiter() }));
const chargeFrame = once(() => makeChargeFrame({ rateLimiter: rateLimiter() }));

const subscriptions: () => Subscriptions = once(() =>
  makeSubscriptions({
    channels: { visible: (channelId, caller) => channels().visible(channelId, caller) },
    subscriptions: subscriptionStore(),
    notifier: notifier(),
    ttlSeconds: connectionsConfig().ttlSeconds,
    log: (message, details) => logger.warn(message, details),
  }),
);

const channels: () => ChannelService = once(() =>
  makeChannelService({
    channels: dataApiChannelStore(database()),
    // Only the functions that revoke access reach the WebSocket API: look it up when revoking.
    subscriptions: {
      revokeChannel: (channelId) => subscriptions().revoker.revokeChannel(channelId),
      revokeUser: (channelId, userId) => subscriptions().revoker.revokeUser(channelId, userId),
    },
    chargeQuota: (quota, id) => chargeQuota()(quota, id),
  }),
);

const deliveries = once(() => lambdaDeliveryQueue(fanOutConfig()));

const uploads = once(() => dataApiUploadStore(database()));
const imageBucket = once(() => s3ImageBucket({ bucket: mediaConfig().bucket }));

const attachImages = once(() =>
  makeAttachImages({
    uploads: uploads(),
    bucket: imageBucket(),
    maxUploadBytes: mediaConfig().maxUploadBytes,
  }),
);

const createUpload = once(() =>
  makeCreateUpload({
    uploads: uploads(),
    bucket: imageBucket(),
    chargeQuota: (quota, id) => chargeQuota()(quota, id),
    maxUploadBytes: mediaConfig().maxUploadBytes,
    newId: randomUUID,
  }),
);

const messages = once(() =>
  makeMessageService({
    channels: channels(),
    messages: dataApiMessageStore(database()),
    deliveries: { enqueue: (message) => deliveries().enqueue(message) },
    // Only the functions that store messages with images read the media bucket: look it up when needed.
    attachImages: (caller, requested) =>
      requested.length === 0 ? Promise.resolve([]) : attachImages()(caller, requested),
    chargeQuota: (quota, id) => chargeQuota()(quota, id),
    onDeliveryError: (error, message) =>
      logger.error('Queueing delivery failed; subscribers will catch up', {
        error: error as Error,
        messageId: message.id,
        channelId: message.channelId,
      }),
  }),
);

const broadcast = once(() =>
  makeBroadcast({
    subscriptions: subscriptionStore(),
    connections: {
      forget: (connectionId) => connectionStore().remove(connectionId),
      close: (connectionId) => notifier().close(connectionId),
    },
    notifier: notifier(),
    log: (message, details) => logger.warn(message, details),
  }),
);

/** The use cases and adapters handlers call. */
export const wiring = {
  chargeFrame,
  apiKeys,
  authenticate,
  authenticateWith,
  notifier,
  connectionStore,
  channels,
  messages,
  createUpload,
  subscriptions,
  broadcast,
};
