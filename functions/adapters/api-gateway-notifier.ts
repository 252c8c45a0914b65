import {
  ApiGatewayManagementApiClient,
  GoneException,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionNotifier, Frame } from '#domain/connections/ports';

export interface ApiGatewayNotifierOptions {
  /** The WebSocket stage's `https://` URL; the SDK appends `/@connections/{id}`. */
  endpoint: string;
  client?: ApiGatewayManagementApiClient;
}

/** Pushes frames through the API Gateway management API. */
export function apiGatewayNotifier({ endpoint, client }: ApiGatewayNotifierOptions): ConnectionNotifier {
  const api = client ?? new ApiGatewayManagementApiClient({ endpoint });
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
  };
}
