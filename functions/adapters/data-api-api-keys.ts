import type { ApiKey, ApiKeyStore } from '#domain/api-keys/ports';
import type { DataApi } from './data-api.ts';
import { fromSqlTimestamp, fromSqlTimestampOrNull } from './data-api-rows.ts';

interface ApiKeyRow {
  id: string;
  owner_id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
}

const columns = 'k.id, k.owner_id, k.name, k.created_at, k.last_used_at';

/** API keys in the `api_keys` table; each key's bot is the `users` row with the key's id. */
export function dataApiApiKeyStore(db: DataApi): ApiKeyStore {
  return {
    async create({ id, ownerId, name, keyHash }) {
      return db.transaction(async (tx) => {
        await tx.execute(`insert into users (id, username, kind) values (:id, :name, 'bot')`, { id, name });
        const [row] = await tx.query<ApiKeyRow>(
          `insert into api_keys as k (id, owner_id, name, key_hash) values (:id, :ownerId, :name, :keyHash)
           returning ${columns}`,
          { id: { uuid: id }, ownerId, name, keyHash },
        );
        if (!row) throw new Error('insert ... returning gave no row');
        return toApiKey(row);
      });
    },

    async listByOwner(ownerId) {
      const rows = await db.query<ApiKeyRow>(
        `select ${columns} from api_keys k where k.owner_id = :ownerId order by k.created_at desc, k.id desc`,
        { ownerId },
      );
      return rows.map(toApiKey);
    },

    async find(id) {
      const [row] = await db.query<ApiKeyRow & { key_hash: string; owner_is_admin: boolean }>(
        `select ${columns}, k.key_hash, o.is_admin as owner_is_admin
         from api_keys k join users o on o.id = k.owner_id
         where k.id = :id`,
        { id: { uuid: id } },
      );
      return row && { ...toApiKey(row), keyHash: row.key_hash, ownerIsAdmin: row.owner_is_admin };
    },

    async revoke(ownerId, id) {
      // The bot's `users` row stays: the messages it posted keep their author.
      const deleted = await db.execute('delete from api_keys where id = :id and owner_id = :ownerId', {
        id: { uuid: id },
        ownerId,
      });
      return deleted > 0;
    },

    async markUsed(id, at, recordedSince) {
      // Conditional, so that containers racing on one key write it once a minute at most.
      await db.execute(
        `update api_keys set last_used_at = :at
         where id = :id and (last_used_at is null or last_used_at < :recordedSince)`,
        { id: { uuid: id }, at: { timestamp: at }, recordedSince: { timestamp: recordedSince } },
      );
    },
  };
}

function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    createdAt: fromSqlTimestamp(row.created_at),
    lastUsedAt: fromSqlTimestampOrNull(row.last_used_at),
  };
}
