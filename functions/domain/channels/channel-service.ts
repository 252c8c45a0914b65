import type { Caller } from '#domain/identity/caller';
import { type Quota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import { isStorableText } from '#shared/validation';
import { channelAccess, channelNotFound, isChannelId } from './access.ts';
import type { Channel, ChannelStore, ChannelView, Member, Visibility } from './ports.ts';

/** Drops the realtime subscriptions of people who can no longer read a channel. */
export interface SubscriptionRevoker {
  /** Every subscription to the channel. */
  revokeChannel(channelId: string): Promise<void>;
  /** One user's subscriptions to the channel. */
  revokeUser(channelId: string, userId: string): Promise<void>;
}

/** The ports the channel use cases need. */
export interface ChannelServiceDeps {
  channels: ChannelStore;
  subscriptions: SubscriptionRevoker;
  /** Charges one unit of a quota to an id, or throws `rate-limited`. */
  chargeQuota: (quota: Quota, id: string) => Promise<void>;
}

/**
 * The channel use cases: listing, creating, reading, deleting, and membership. A channel the caller may
 * not see is `not-found` everywhere; one they see but may not manage is `forbidden`.
 */
export function makeChannelService({ channels, subscriptions, chargeQuota }: ChannelServiceDeps) {
  async function visible(channelId: string, caller: Caller | undefined): Promise<ChannelView> {
    if (!isChannelId(channelId)) throw channelNotFound();
    const view = await channels.find(channelId, caller?.accessUserId);
    if (!view || !channelAccess.canSee(view, caller)) throw channelNotFound();
    return view;
  }

  async function managed(channelId: string, caller: Caller): Promise<ChannelView> {
    const view = await visible(channelId, caller);
    if (!channelAccess.canManage(view, caller)) {
      throw new DomainError('forbidden', 'Only the channel owner or an admin may do that.');
    }
    return view;
  }

  /** Revokes a user's subscriptions when they no longer see the channel. */
  async function revokeIfHidden(view: ChannelView, userId: string, isAdmin: boolean) {
    if (view.channel.visibility === 'private' && !isAdmin)
      await subscriptions.revokeUser(view.channel.id, userId);
  }

  return {
    list: (caller: Caller | undefined): Promise<Channel[]> => channels.list(caller),

    get: async (channelId: string, caller: Caller | undefined): Promise<Channel> =>
      (await visible(channelId, caller)).channel,

    /** Exposed for the other contexts (messages, subscriptions) that share the visibility rule. */
    visible,

    async create(
      caller: Caller,
      input: { name: string; description: string; visibility: Visibility },
    ): Promise<Channel> {
      if (caller.kind !== 'person') throw new DomainError('forbidden', 'Bots cannot create channels.');
      await chargeQuota(quotas.channelCreations, caller.userId);
      return channels.create({ ...input, createdBy: caller.userId });
    },

    async remove(channelId: string, caller: Caller): Promise<void> {
      // The stored id is canonical (lower case); subscriptions are keyed by it, whatever the path said.
      const { channel } = await managed(channelId, caller);
      await channels.remove(channel.id);
      await subscriptions.revokeChannel(channel.id);
    },

    async join(channelId: string, caller: Caller): Promise<Member> {
      // Only members and admins see a private channel, so `visible` already refuses everyone else.
      await visible(channelId, caller);
      if (caller.kind !== 'person') throw new DomainError('forbidden', 'Bots cannot join channels.');
      return channels.addMember(channelId, caller.userId);
    },

    async leave(channelId: string, caller: Caller): Promise<void> {
      const view = await visible(channelId, caller);
      if (caller.kind !== 'person') throw new DomainError('forbidden', 'Bots cannot leave channels.');
      if (!(await channels.removeMember(channelId, caller.userId))) {
        throw new DomainError('not-found', 'You are not a member of this channel.');
      }
      await revokeIfHidden(view, caller.userId, caller.isAdmin);
    },

    async addMember(channelId: string, userId: string, caller: Caller): Promise<Member> {
      await managed(channelId, caller);
      if (!isStorableText(userId) || !(await channels.userName(userId))) {
        throw new DomainError('not-found', 'No such user.');
      }
      return channels.addMember(channelId, userId);
    },

    async removeMember(channelId: string, userId: string, caller: Caller): Promise<void> {
      const self = caller.kind === 'person' && userId === caller.userId;
      const view = self ? await visible(channelId, caller) : await managed(channelId, caller);
      if (!isStorableText(userId) || !(await channels.removeMember(channelId, userId))) {
        throw new DomainError('not-found', 'That user is not a member of this channel.');
      }
      // The removed user's admin status is unknown here: an admin removed from a private channel loses
      // its live subscriptions too, and may subscribe again.
      await revokeIfHidden(view, userId, false);
    },

    async members(channelId: string, caller: Caller | undefined): Promise<Member[]> {
      await visible(channelId, caller);
      return channels.members(channelId);
    },
  };
}

/** The channel use cases, as `makeChannelService` builds them. */
export type ChannelService = ReturnType<typeof makeChannelService>;
