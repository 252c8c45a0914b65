import { maxOpenConnectionsPerUser } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import type { ConnectionStore } from './ports.ts';

/** Where `makeOpenConnection` records connections, and how long and how many. */
export interface OpenConnectionDeps {
  connections: ConnectionStore;
  /** How long a record lives: API Gateway closes every connection after 2 hours. */
  ttlSeconds: number;
  /** Open connections one user may have at once. */
  maxPerUser?: number;
  now?: () => Date;
}

/** Records a connection the authorizer has let in, unless its user already has too many open. */
export function makeOpenConnection({
  connections,
  ttlSeconds,
  maxPerUser = maxOpenConnectionsPerUser,
  now = () => new Date(),
}: OpenConnectionDeps) {
  return async (connection: {
    connectionId: string;
    userId: string;
    tokenExpiresAt: Date;
  }): Promise<void> => {
    const connectedAt = now();
    if ((await connections.countOpen(connection.userId, connectedAt)) >= maxPerUser) {
      throw new DomainError('rate-limited', `At most ${maxPerUser} connections per user are allowed.`);
    }
    const expiresAt = new Date(connectedAt.getTime() + ttlSeconds * 1000);
    await connections.save({ ...connection, connectedAt, expiresAt });
  };
}
