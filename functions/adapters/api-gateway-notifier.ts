import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionNotifier, Frame } from '#domain/connections/ports';

export interface ApiGatewayNotifierOptions {
  /** The WebSocket stage's `https://` URL; the SDK appends `/@connections/{id}`. */
  endpoint: string;
  client?: ApiGatewayManagementApiClient;
}

/**
 * Pushes frames through the API Gateway management API. Throttling (429) is retried with the SDK's
 * exponential backoff and jitter, given a few more attempts than its default so that a burst of
 * deliveries to a large channel slows down instead of failing.
 */
export function apiGatewayNotifier({ endpoint, client }: ApiGatewayNotifierOptions) {
  const api = client ?? new ApiGatewayManagementApiClient({ endpoint, maxAttempts: 6 });
  return {
    async send(connectionId: string, frame: Frame) {
      try {
        await api.send(
          new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(frame) }),
        );
        return true;
      } catch (error) {
        if (error instanceof GoneException) return false;
        throw error;
      }
    },

    /** Closes a connection; one that is already gone is fine. */
    async close(connectionId: string) {
      try {
        await api.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
      } catch (error) {
        if (!(error instanceof GoneException)) throw error;
      }
    },
  } satisfies ConnectionNotifier & Record<string, unknown>;
}
