/** Members of this group (a Cognito group, or the local issuer's) see and manage every channel. */
export const adminGroup = 'admin';

/** Who is asking, as established from an access token or an API key. */
export interface Caller {
  /** The token's `sub` for a person; the API key's id for a bot. Messages carry it as `userId`. */
  userId: string;
  /** The token's username for a person; the key's name for a bot. */
  userName: string;
  kind: 'person' | 'bot';
  /**
   * Whose access rights apply: the person themselves, or a bot's owner, so that a bot reads and posts
   * exactly where its owner may, and loses that the moment its owner does.
   */
  accessUserId: string;
  /** Whether the access rights are an admin's (for a bot: whether its owner is one). */
  isAdmin: boolean;
  /** Set for a bot: the key it authenticated with. */
  apiKeyId?: string;
  /** When the access token stops being valid (people only). */
  expiresAt?: Date;
}

/** A person on a WebSocket connection: always known to hold a token that expires. */
export type ConnectedCaller = Caller & { expiresAt: Date };

/** What a verified access token says. */
export interface TokenIdentity {
  sub: string;
  username: string;
  groups: string[];
  expiresAt: Date;
}

/** Checks an access token's signature, issuer, app client and expiry. */
export interface TokenVerifier {
  /** @throws DomainError `unauthorized` for anything but a valid access token of our app client. */
  verify(token: string): Promise<TokenIdentity>;
}

/** The people and bots hiroba has seen. */
export interface UserStore {
  /** Creates the user on first sight and refreshes name and admin flag when they change. */
  upsertPerson(user: { id: string; username: string; isAdmin: boolean }): Promise<void>;
}
