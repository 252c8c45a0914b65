import type { Caller } from '#domain/identity/caller';
import { DomainError } from '#shared/errors';
import { isUuid } from '#shared/validation';
import type { ChannelView } from './ports.ts';

/**
 * Who may do what with a channel. Everything is decided on the caller's access rights (a bot's are its
 * owner's), and a channel the caller may not see is reported as missing, never as forbidden.
 */
export const channelAccess = {
  /** Public channels are readable by anyone, anonymous included; private ones by members and admins. */
  canSee(view: ChannelView, caller: Caller | undefined): boolean {
    if (view.channel.visibility === 'public') return true;
    return caller !== undefined && (caller.isAdmin || view.role !== undefined);
  },

  /** The owner and admins manage a channel; bots never do. */
  canManage(view: ChannelView, caller: Caller): boolean {
    return caller.kind === 'person' && (caller.isAdmin || view.role === 'owner');
  },
};

/** The not-found every route answers for a missing or hidden channel. */
export function channelNotFound(): DomainError {
  return new DomainError('not-found', 'No such channel.');
}

/** Channel ids are UUIDs; any other string names no channel (404, never a database error). */
export const isChannelId = isUuid;

/** The spelling a channel id is stored and keyed under: PostgreSQL prints UUIDs in lower case. */
export const canonicalChannelId = (channelId: string) => channelId.toLowerCase();
