import { describe, expect, it } from 'vitest';
import { makeCloseConnection } from '#domain/connections/close-connection';
import { makeOpenConnection } from '#domain/connections/open-connection';
import type { Connection, ConnectionStore } from '#domain/connections/ports';
import { DomainError } from '#shared/errors';

function memoryStore() {
  const connections = new Map<string, Connection>();
  const store: ConnectionStore = {
    save: async (connection) => void connections.set(connection.connectionId, connection),
    remove: async (connectionId) => void connections.delete(connectionId),
    countOpen: async (userId, now) =>
      [...connections.values()].filter((c) => c.userId === userId && c.expiresAt > now).length,
  };
  return { store, connections };
}

const tokenExpiresAt = new Date('2026-01-01T13:00:00.000Z');

describe('opening and closing connections', () => {
  it('records a new connection that expires after the TTL', async () => {
    const { store, connections } = memoryStore();
    const now = new Date('2026-01-01T12:00:00.000Z');
    const openConnection = makeOpenConnection({ connections: store, ttlSeconds: 7200, now: () => now });

    await openConnection({ connectionId: 'abc=', userId: 'u1', tokenExpiresAt });

    expect(connections.get('abc=')).toEqual({
      connectionId: 'abc=',
      userId: 'u1',
      connectedAt: now,
      expiresAt: new Date('2026-01-01T14:00:00.000Z'),
      tokenExpiresAt,
    });
  });

  it('refuses a connection beyond the per-user cap, counting only unexpired ones', async () => {
    const { store } = memoryStore();
    let now = new Date('2026-01-01T12:00:00.000Z');
    const openConnection = makeOpenConnection({
      connections: store,
      ttlSeconds: 60,
      maxPerUser: 2,
      now: () => now,
    });
    await openConnection({ connectionId: 'a', userId: 'u1', tokenExpiresAt });
    await openConnection({ connectionId: 'b', userId: 'u1', tokenExpiresAt });
    await openConnection({ connectionId: 'c', userId: 'u2', tokenExpiresAt });

    const refused = await openConnection({ connectionId: 'd', userId: 'u1', tokenExpiresAt }).catch(
      (e: unknown) => e,
    );

    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ kind: 'rate-limited' });
    now = new Date('2026-01-01T12:02:00.000Z');
    await expect(
      openConnection({ connectionId: 'e', userId: 'u1', tokenExpiresAt }),
    ).resolves.toBeUndefined();
  });

  it('forgets a closed connection', async () => {
    const { store, connections } = memoryStore();
    await makeOpenConnection({ connections: store, ttlSeconds: 60 })({
      connectionId: 'abc=',
      userId: 'u1',
      tokenExpiresAt,
    });

    await makeCloseConnection({ connections: store })('abc=');

    expect(connections.size).toBe(0);
  });
});
