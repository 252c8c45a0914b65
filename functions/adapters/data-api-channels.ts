import type { Channel, ChannelStore, Member, MemberRole, Visibility } from '#domain/channels/ports';
import { DomainError } from '#shared/errors';
import type { DataApi } from './data-api.ts';
import { sqlState, uniqueViolation } from './data-api-errors.ts';
import { fromSqlTimestamp } from './data-api-rows.ts';

interface ChannelRow {
  id: string;
  name: string;
  description: string;
  visibility: Visibility;
  created_at: string;
  created_by: string | null;
  last_seq: number;
  message_count: number;
}

interface MemberRow {
  user_id: string;
  username: string;
  role: MemberRole;
  joined_at: string;
}

const channelColumns =
  'c.id, c.name, c.description, c.visibility, c.created_at, c.created_by, c.last_seq, c.message_count';

const toChannel = (row: ChannelRow): Channel => ({
  id: row.id,
  name: row.name,
  description: row.description,
  visibility: row.visibility,
  createdAt: fromSqlTimestamp(row.created_at),
  createdBy: row.created_by,
  lastSeq: Number(row.last_seq),
  messageCount: Number(row.message_count),
});

const toMember = (row: MemberRow): Member => ({
  userId: row.user_id,
  userName: row.username,
  role: row.role,
  joinedAt: fromSqlTimestamp(row.joined_at),
});

/** Channels and membership in PostgreSQL, through the Data API. */
export function dataApiChannelStore(db: DataApi): ChannelStore {
  return {
    async list(viewer) {
      const rows = await db.query<ChannelRow>(
        `select ${channelColumns} from channels c
         where c.visibility = 'public' or :isAdmin
            or exists (select 1 from channel_members m where m.channel_id = c.id and m.user_id = :userId)
         order by c.name_key, c.name, c.id`,
        { isAdmin: viewer?.isAdmin ?? false, userId: viewer?.accessUserId ?? '' },
      );
      return rows.map(toChannel);
    },

    async find(channelId, userId) {
      const [row] = await db.query<ChannelRow & { role: MemberRole | null }>(
        `select ${channelColumns}, m.role from channels c
         left join channel_members m on m.channel_id = c.id and m.user_id = :userId
         where c.id = :channelId`,
        { channelId: { uuid: channelId }, userId: userId ?? '' },
      );
      return row ? { channel: toChannel(row), role: row.role ?? undefined } : undefined;
    },

    async create(channel) {
      try {
        const [row] = await db.query<ChannelRow>(
          `with c as (
             insert into channels (name, name_key, description, visibility, created_by)
             values (:name, :nameKey, :description, :visibility, :createdBy)
             returning *
           ), owner as (
             insert into channel_members (channel_id, user_id, role) select id, created_by, 'owner' from c
           )
           select ${channelColumns} from c`,
          { ...channel },
        );
        if (!row) throw new Error('Creating a channel returned no row');
        return toChannel(row);
      } catch (error) {
        if (sqlState(error) === uniqueViolation) {
          // Name the channel the new name is confused with: it may be spelled differently.
          const [existing] = await db.query<{ name: string }>(
            'select name from channels where name_key = :nameKey',
            { nameKey: channel.nameKey },
          );
          const name = existing?.name ?? channel.name;
          throw new DomainError('conflict', `A channel named "${name}" already exists.`, { cause: error });
        }
        throw error;
      }
    },

    async remove(channelId) {
      await db.execute('delete from channels where id = :channelId', { channelId: { uuid: channelId } });
    },

    async addMember(channelId, userId) {
      const [row] = await db.query<MemberRow>(
        `with m as (
           insert into channel_members (channel_id, user_id, role) values (:channelId, :userId, 'member')
           on conflict (channel_id, user_id) do update set role = channel_members.role
           returning user_id, role, joined_at
         )
         select m.user_id, u.username, m.role, m.joined_at from m join users u on u.id = m.user_id`,
        { channelId: { uuid: channelId }, userId },
      );
      if (!row) throw new Error('Adding a member returned no row');
      return toMember(row);
    },

    async removeMember(channelId, userId) {
      // The delete re-checks `role` on the row it locks, so an owner made by a concurrent hand-over is
      // not removed; `target` reads the role as the statement started.
      const [row] = await db.query<{ role: MemberRole | null; removed: number }>(
        `with target as (
           select role from channel_members where channel_id = :channelId and user_id = :userId
         ), removed as (
           delete from channel_members
           where channel_id = :channelId and user_id = :userId and role = 'member'
           returning 1
         )
         select (select role from target) as role, (select count(*) from removed) as removed`,
        { channelId: { uuid: channelId }, userId },
      );
      if (Number(row?.removed ?? 0) > 0) return 'removed';
      return row?.role ? 'owner' : 'not-member';
    },

    async transferOwnership(channelId, userId) {
      // Locking the channel's row serializes hand-overs of one channel, so it never has two owners.
      return db.transaction(async (tx) => {
        await tx.query('select id from channels where id = :channelId for update', {
          channelId: { uuid: channelId },
        });
        const [row] = await tx.query<MemberRow>(
          `with promoted as (
             update channel_members set role = 'owner'
             where channel_id = :channelId and user_id = :userId
             returning user_id, role, joined_at
           ), demoted as (
             update channel_members set role = 'member'
             where channel_id = :channelId and role = 'owner' and user_id <> :userId
               and exists (select 1 from promoted)
           )
           select p.user_id, u.username, p.role, p.joined_at from promoted p join users u on u.id = p.user_id`,
          { channelId: { uuid: channelId }, userId },
        );
        return row && toMember(row);
      });
    },

    async members(channelId) {
      const rows = await db.query<MemberRow>(
        `select m.user_id, u.username, m.role, m.joined_at from channel_members m join users u on u.id = m.user_id
         where m.channel_id = :channelId order by m.joined_at, lower(u.username)`,
        { channelId: { uuid: channelId } },
      );
      return rows.map(toMember);
    },

    async userName(userId) {
      const [row] = await db.query<{ username: string }>('select username from users where id = :userId', {
        userId,
      });
      return row?.username;
    },
  };
}
