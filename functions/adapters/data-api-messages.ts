import type { Message, MessageStore, PageQuery } from '#domain/messages/ports';
import type { Attachment } from '#domain/uploads/attachments';
import type { DataApi, SqlParams } from './data-api.ts';
import { fromSqlTimestamp } from './data-api-rows.ts';

interface MessageRow {
  id: string;
  channel_id: string;
  seq: number;
  user_id: string;
  user_name: string;
  content: string;
  client_message_id: string | null;
  attachments: string | Attachment[];
  created_at: string;
}

const columns =
  'id, channel_id, seq, user_id, user_name, content, client_message_id, attachments, created_at';

const toMessage = (row: MessageRow): Message => ({
  id: row.id,
  channelId: row.channel_id,
  seq: Number(row.seq),
  userId: row.user_id,
  userName: row.user_name,
  content: row.content,
  clientMessageId: row.client_message_id,
  attachments: typeof row.attachments === 'string' ? JSON.parse(row.attachments) : row.attachments,
  createdAt: fromSqlTimestamp(row.created_at),
});

/**
 * A page is fetched in chunks whose rows, as JSON, stay well under the Data API's 1 MiB response limit:
 * each chunk stops once the JSON size of its rows passes this budget. The Data API escapes the records
 * twice (JSON records inside a JSON response), which at most doubles them.
 */
const chunkBudgetBytes = 400_000;
/** Column names, ids, names and timestamps of one row, generously. */
const rowOverheadBytes = 600;

/** Messages in PostgreSQL, through the Data API. */
export function dataApiMessageStore(db: DataApi): MessageStore {
  async function chunk(
    channelId: string,
    window: { where: string; order: 'asc' | 'desc'; offset?: number },
    want: number,
    params: SqlParams,
  ): Promise<{ rows: Message[]; cut: boolean }> {
    // The window is the next `want` rows; the outer query keeps those that start within the budget
    // (the first one always does, so every chunk makes progress).
    const rows = await db.query<MessageRow & { fetched: number }>(
      `select ${columns}, fetched from (
         select ${columns}, size,
           sum(size) over (order by seq ${window.order}) as running,
           count(*) over () as fetched
         from (
           select ${columns},
             octet_length(to_json(content)::text) + octet_length(attachments::text) + ${rowOverheadBytes} as size
           from messages
           where channel_id = :channelId and ${window.where}
           order by seq ${window.order}
           ${window.offset ? 'offset :offset' : ''}
           limit :want
         ) w
       ) t
       where running - size < :budget
       order by seq ${window.order}`,
      {
        ...params,
        channelId: { uuid: channelId },
        want,
        budget: chunkBudgetBytes,
        ...(window.offset ? { offset: window.offset } : {}),
      },
    );
    const fetched = Number(rows[0]?.fetched ?? 0);
    return { rows: rows.map(toMessage), cut: rows.length < fetched };
  }

  async function findSent(channelId: string, userId: string, clientMessageId: string) {
    const [existing] = await db.query<MessageRow>(
      `select ${columns} from messages
       where channel_id = :channelId and user_id = :userId and client_message_id = :clientMessageId`,
      { channelId: { uuid: channelId }, userId, clientMessageId },
    );
    return existing ? toMessage(existing) : undefined;
  }

  return {
    async insert(message) {
      const params = {
        channelId: { uuid: message.channelId },
        userId: message.userId,
        userName: message.userName,
        content: message.content,
        clientMessageId: message.clientMessageId,
        attachments: { json: message.attachments },
        uploadIds: { json: message.attachments.map((attachment) => attachment.uploadId) },
        uploadCount: message.attachments.length,
      };
      // One statement: lock the channel row, insert with the next seq unless this sender already stored
      // this clientMessageId here, and move the channel's counters only when a row went in. A concurrent
      // repeat waits for the lock, then finds the first copy and inserts nothing. The attached uploads are
      // locked too, and the message goes in only if every one is still the sender's and free; it then
      // takes them, so an upload belongs to one message at most, however sends race.
      const [inserted] = await db.query<MessageRow>(
        `with c as (
           select id, last_seq from channels where id = :channelId for update
         ), free as (
           select id from uploads
           where id in (select value::uuid from jsonb_array_elements_text(:uploadIds::jsonb))
             and owner_id = :userId and message_id is null
           for update
         ), ins as (
           insert into messages (channel_id, seq, user_id, user_name, content, client_message_id, attachments)
           select c.id, c.last_seq + 1, :userId, :userName, :content, :clientMessageId::text, :attachments from c
           where (select count(*) from free) = :uploadCount
           on conflict (channel_id, user_id, client_message_id) do nothing
           returning ${columns}
         ), counters as (
           update channels set last_seq = ins.seq, message_count = channels.message_count + 1
           from ins where channels.id = ins.channel_id
         ), taken as (
           update uploads set message_id = ins.id, attached_at = now()
           from ins where uploads.id in (select id from free)
         )
         select ${columns} from ins`,
        params,
      );
      if (inserted) return { message: toMessage(inserted), created: true };
      if (message.clientMessageId !== null) {
        const existing = await findSent(message.channelId, message.userId, message.clientMessageId);
        if (existing) return { message: existing, created: false };
      }
      if (message.attachments.length === 0) return undefined;
      const [channel] = await db.query<{ id: string }>('select id from channels where id = :channelId', {
        channelId: params.channelId,
      });
      return channel ? 'attachments-taken' : undefined;
    },

    findSent,

    async page(channelId, query: PageQuery) {
      const want = query.limit + 1; // one more than asked tells whether more remain
      const order = query.mode === 'before' ? 'desc' : 'asc';
      const collected: Message[] = [];
      while (collected.length < want) {
        const last = collected.at(-1);
        let window: { where: string; order: 'asc' | 'desc'; offset?: number };
        let params: SqlParams;
        if (last) {
          window = { where: order === 'asc' ? 'seq > :cursor' : 'seq < :cursor', order };
          params = { cursor: last.seq };
        } else if (query.mode === 'offset') {
          window = { where: 'true', order, offset: query.offset };
          params = {};
        } else {
          window = { where: query.mode === 'after' ? 'seq > :cursor' : 'seq < :cursor', order };
          params = { cursor: query.seq };
        }
        const { rows, cut } = await chunk(channelId, window, want - collected.length, params);
        collected.push(...rows);
        if (!cut) break;
      }
      const messages = collected.slice(0, query.limit);
      if (order === 'desc') messages.reverse();
      return { messages, hasMore: collected.length > query.limit };
    },
  };
}
