import type { UserStore } from '#domain/identity/caller';
import type { SqlRunner } from './data-api.ts';

export interface DataApiUserStoreOptions {
  /** People whose last written state this container remembers; the oldest is forgotten first. */
  cacheSize?: number;
}

/**
 * People in the `users` table. Every authenticated request upserts its person, so the store remembers
 * what this container last wrote for each one and skips the statement while nothing changed: a warm
 * container costs the database nothing per request. Rows the statement finds unchanged are not
 * rewritten either (no dead tuples, `updated_at` stays meaningful).
 */
export function dataApiUserStore(
  db: SqlRunner,
  { cacheSize = 10_000 }: DataApiUserStoreOptions = {},
): UserStore {
  const written = new Map<string, string>();
  return {
    async upsertPerson({ id, username, isAdmin }) {
      const state = JSON.stringify([username, isAdmin]);
      if (written.get(id) === state) return;
      // `kind = 'person'` keeps a token from ever renaming a bot that happened to share its id.
      await db.execute(
        `insert into users (id, username, kind, is_admin) values (:id, :username, 'person', :isAdmin)
         on conflict (id) do update set username = excluded.username, is_admin = excluded.is_admin,
           updated_at = now()
         where users.kind = 'person'
           and (users.username, users.is_admin) is distinct from (excluded.username, excluded.is_admin)`,
        { id, username, isAdmin },
      );
      written.delete(id);
      written.set(id, state);
      if (written.size > cacheSize) written.delete(written.keys().next().value as string);
    },
  };
}
