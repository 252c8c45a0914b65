import type { ApiKey, ApiKeyStore, StoredApiKey } from '#domain/api-keys/ports';
import type { TokenIdentity, TokenVerifier, UserStore } from '#domain/identity/caller';
import type { RateStateStore } from '#domain/quotas/gcra';
import { DomainError } from '#shared/errors';

/** A clock a test moves by hand. */
export function fakeClock(start = '2026-01-01T12:00:00.000Z') {
  let now = new Date(start).getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
  };
}

/** Accepts exactly the tokens it was given. */
export function fakeTokens(valid: Record<string, TokenIdentity>): TokenVerifier {
  return {
    async verify(token) {
      const identity = valid[token];
      if (!identity) throw new DomainError('unauthorized', 'The access token is not valid.');
      return identity;
    },
  };
}

/** People as the users table would hold them, with every write recorded. */
export function memoryUsers() {
  const rows = new Map<string, { username: string; isAdmin: boolean }>();
  const writes: { id: string; username: string; isAdmin: boolean }[] = [];
  const store: UserStore = {
    async upsertPerson(user) {
      writes.push(user);
      rows.set(user.id, { username: user.username, isAdmin: user.isAdmin });
    },
  };
  return { store, rows, writes };
}

/** API keys in memory, with the owners' admin flags the store would join in. */
export function memoryApiKeys(clock: { now: () => Date } = { now: () => new Date() }) {
  const keys = new Map<string, Omit<StoredApiKey, 'ownerIsAdmin'>>();
  const admins = new Set<string>();
  const bots = new Map<string, string>();
  const uses: { id: string; at: Date }[] = [];
  const summary = ({ keyHash: _, ...key }: Omit<StoredApiKey, 'ownerIsAdmin'>): ApiKey => key;
  const store: ApiKeyStore = {
    async create({ id, ownerId, name, keyHash }) {
      const key = { id, ownerId, name, keyHash, createdAt: clock.now(), lastUsedAt: null };
      keys.set(id, key);
      bots.set(id, name);
      return summary(key);
    },
    async listByOwner(ownerId) {
      return [...keys.values()]
        .filter((key) => key.ownerId === ownerId)
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map(summary);
    },
    async find(id) {
      const key = keys.get(id);
      return key && { ...key, ownerIsAdmin: admins.has(key.ownerId) };
    },
    async revoke(ownerId, id) {
      if (keys.get(id)?.ownerId !== ownerId) return false;
      return keys.delete(id);
    },
    async markUsed(id, at, recordedSince) {
      const key = keys.get(id);
      if (!key || (key.lastUsedAt && key.lastUsedAt >= recordedSince)) return;
      key.lastUsedAt = at;
      uses.push({ id, at });
    },
  };
  return { store, keys, admins, bots, uses };
}

/** Rate-limit state in memory, with the conditional write's semantics. */
export function memoryRateStates() {
  const items = new Map<string, { tat: number; expiresAt: Date }>();
  const store: RateStateStore = {
    async read(key) {
      return items.get(key)?.tat;
    },
    async write(key, tat, expected, expiresAt) {
      if (items.get(key)?.tat !== expected) return false;
      items.set(key, { tat, expiresAt });
      return true;
    },
  };
  return { store, items };
}
