import type { ConnectionStore } from './ports.ts';

export interface OpenConnectionDeps {
  connections: ConnectionStore;
  /** How long a record lives: API Gateway closes every connection after 2 hours. */
  ttlSeconds: number;
  now?: () => Date;
}

/** Records a connection the WebSocket API has just accepted. */
export function makeOpenConnection({ connections, ttlSeconds, now = () => new Date() }: OpenConnectionDeps) {
  return async (connectionId: string): Promise<void> => {
    const connectedAt = now();
    const expiresAt = new Date(connectedAt.getTime() + ttlSeconds * 1000);
    await connections.save({ connectionId, connectedAt, expiresAt });
  };
}
