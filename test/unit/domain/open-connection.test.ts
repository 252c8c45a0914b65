import { describe, expect, it } from 'vitest';
import { makeCloseConnection } from '#domain/connections/close-connection';
import { makeOpenConnection } from '#domain/connections/open-connection';
import type { Connection, ConnectionStore } from '#domain/connections/ports';

function memoryStore() {
  const connections = new Map<string, Connection>();
  const store: ConnectionStore = {
    save: async (connection) => void connections.set(connection.connectionId, connection),
    remove: async (connectionId) => void connections.delete(connectionId),
  };
  return { store, connections };
}

describe('opening and closing connections', () => {
  it('records a new connection that expires after the TTL', async () => {
    const { store, connections } = memoryStore();
    const now = new Date('2026-01-01T12:00:00.000Z');
    const openConnection = makeOpenConnection({ connections: store, ttlSeconds: 7200, now: () => now });

    await openConnection('abc=');

    expect(connections.get('abc=')).toEqual({
      connectionId: 'abc=',
      connectedAt: now,
      expiresAt: new Date('2026-01-01T14:00:00.000Z'),
    });
  });

  it('forgets a closed connection', async () => {
    const { store, connections } = memoryStore();
    await makeOpenConnection({ connections: store, ttlSeconds: 60 })('abc=');

    await makeCloseConnection({ connections: store })('abc=');

    expect(connections.size).toBe(0);
  });
});
