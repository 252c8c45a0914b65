/** Public channels are readable by anyone; private ones by their members and admins. */
export type Visibility = 'public' | 'private';
/** A member's place in a channel: its creator is the `owner`. */
export type MemberRole = 'owner' | 'member';

/** A stored channel. */
export interface Channel {
  id: string;
  name: string;
  description: string;
  visibility: Visibility;
  createdAt: Date;
  /** Null for the channels a fresh install starts with. */
  createdBy: string | null;
  /** Highest message `seq` in the channel, 0 when empty. */
  lastSeq: number;
  messageCount: number;
}

/** A user's membership of a channel. */
export interface Member {
  userId: string;
  userName: string;
  role: MemberRole;
  joinedAt: Date;
}

/** A channel together with the viewer's role in it (undefined: not a member). */
export interface ChannelView {
  channel: Channel;
  role: MemberRole | undefined;
}

/** Whose access rights a question is about (a bot borrows its owner's). */
export interface Viewer {
  accessUserId: string;
  isAdmin: boolean;
}

/** What creating a channel stores; the store adds id, timestamps and counters. */
export interface NewChannel {
  name: string;
  /** What names are compared by (`channelNameKey`): unique among channels. */
  nameKey: string;
  description: string;
  visibility: Visibility;
  createdBy: string;
}

/** Where channels and their members live. */
export interface ChannelStore {
  /** Public channels, private ones the viewer belongs to (all for admins), sorted by name key (case-insensitively). */
  list(viewer: Viewer | undefined): Promise<Channel[]>;
  /** The channel and the user's role in it; undefined when no channel has that id. */
  find(channelId: string, userId: string | undefined): Promise<ChannelView | undefined>;
  /**
   * Creates the channel with its creator as owner.
   * @throws DomainError `conflict`, naming the existing channel, when another has the same name key.
   */
  create(channel: NewChannel): Promise<Channel>;
  /** Deletes the channel, its members and its messages. */
  remove(channelId: string): Promise<void>;
  /** Adds or keeps a member; an existing owner stays owner. */
  addMember(channelId: string, userId: string): Promise<Member>;
  /**
   * Removes a member, never the owner (checked in the same statement, so a concurrent hand-over cannot
   * slip between the check and the removal).
   * @returns `removed`, `owner` (nothing removed) or `not-member`.
   */
  removeMember(channelId: string, userId: string): Promise<'removed' | 'owner' | 'not-member'>;
  /**
   * Makes a current member the channel's owner and its previous owner, if any, a member, atomically.
   * @returns the new owner, or undefined when the user is not a member.
   */
  transferOwnership(channelId: string, userId: string): Promise<Member | undefined>;
  members(channelId: string): Promise<Member[]>;
  /** The username of a known user (person or bot), undefined for an unknown id. */
  userName(userId: string): Promise<string | undefined>;
}
