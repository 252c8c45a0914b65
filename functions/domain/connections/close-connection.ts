import type { ConnectionStore } from './ports.ts';

/** Forgets a connection that has closed, with its subscriptions. */
export function makeCloseConnection({ connections }: { connections: ConnectionStore }) {
  return (connectionId: string): Promise<void> => connections.remove(connectionId);
}
