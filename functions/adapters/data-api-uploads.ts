import type { ImageType } from '#domain/uploads/image-types';
import type { Upload, UploadStore } from '#domain/uploads/ports';
import type { DataApi } from './data-api.ts';
import { fromSqlTimestamp } from './data-api-rows.ts';

interface UploadRow {
  id: string;
  owner_id: string;
  content_type: ImageType;
  declared_size: number;
  created_at: string;
  expires_at: string;
  message_id: string | null;
}

/** Upload records in PostgreSQL, through the Data API. */
export function dataApiUploadStore(db: DataApi): UploadStore {
  return {
    async create(upload) {
      await db.execute(
        `insert into uploads (id, owner_id, content_type, declared_size, created_at, expires_at)
         values (:id, :ownerId, :contentType, :declaredSize, :createdAt, :expiresAt)`,
        {
          id: { uuid: upload.id },
          ownerId: upload.ownerId,
          contentType: upload.contentType,
          declaredSize: upload.declaredSize,
          createdAt: { timestamp: upload.createdAt },
          expiresAt: { timestamp: upload.expiresAt },
        },
      );
    },

    async find(ids) {
      if (ids.length === 0) return [];
      const rows = await db.query<UploadRow>(
        `select id, owner_id, content_type, declared_size, created_at, expires_at, message_id
         from uploads where id in (select value::uuid from jsonb_array_elements_text(:ids::jsonb))`,
        { ids: { json: ids } },
      );
      return rows.map(
        (row): Upload => ({
          id: row.id,
          ownerId: row.owner_id,
          contentType: row.content_type,
          declaredSize: Number(row.declared_size),
          createdAt: fromSqlTimestamp(row.created_at),
          expiresAt: fromSqlTimestamp(row.expires_at),
          messageId: row.message_id,
        }),
      );
    },
  };
}
