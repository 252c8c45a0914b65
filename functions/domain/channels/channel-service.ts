import type { Caller } from '#domain/identity/caller';
import { type Quota, quotas } from '#domain/quotas/quotas';
import { DomainError } from '#shared/errors';
import { isStorableText } from '#shared/validation';
import { channelAccess, channelNotFound, isChannelId } from './access.ts';
import { channelNameKey } from './channel-name-key.ts';
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
      return channels.create({ ...input, nameKey: channelNameKey(input.name), createdBy: caller.userId });
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
      const removed = await channels.removeMember(view.channel.id, caller.userId);
      if (removed === 'owner') throw ownerCannotLeave();
      if (removed === 'not-member')
        throw new DomainError('not-found', 'You are not a member of this channel.');
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
      const removed = isStorableText(userId)
        ? await channels.removeMember(view.channel.id, userId)
        : 'not-member';
      if (removed === 'owner') throw ownerCannotLeave();
      if (removed === 'not-member') {
        throw new DomainError('not-found', 'That user is not a member of this channel.');
      }
      // The removed user's admin status is unknown here: an admin removed from a private channel loses
      // its live subscriptions too, and may subscribe again.
      await revokeIfHidden(view, userId, false);
    },

    /**
     * Hands the channel over to one of its members, who becomes its owner while the previous owner (if
     * any: the channels a fresh install starts with have none) stays on as a member. The owner or an
     * admin may do it; handing it to its owner again changes nothing.
     */
    async transferOwnership(channelId: string, userId: string, caller: Caller): Promise<Member> {
      const { channel } = await managed(channelId, caller);
      const owner = isStorableText(userId) ? await channels.transferOwnership(channel.id, userId) : undefined;
      if (!owner) {
        throw new DomainError('invalid', 'The request is invalid.', {
          details: { userId: 'must be a member of the channel' },
        });
      }
      return owner;
    },

    async members(channelId: string, caller: Caller | undefined): Promise<Member[]> {
      await visible(channelId, caller);
      return channels.members(channelId);
    },
  };
}

/** Why an owner may not leave: a channel always keeps someone who manages it. */
function ownerCannotLeave(): DomainError {
  return new DomainError(
    'conflict',
    "The channel's owner cannot leave it: hand the channel over to another member first (PUT /api/channels/{id}/owner), or delete it.",
  );
}

/** The channel use cases, as `makeChannelService` builds them. */
export type ChannelService = ReturnType<typeof makeChannelService>;
