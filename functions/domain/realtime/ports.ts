/** A connection's subscription to a channel, as fan-out reads it. */
export interface Subscription {
  channelId: string;
  connectionId: string;
  /** Who is connected: decides `isOwnMessage`, and whose subscriptions go when their access does. */
  userId: string;
  /** After this the record is stale (the connection is gone even if `$disconnect` was missed). */
  expiresAt: Date;
  /** After this the connection's access token has expired: it receives nothing more. */
  tokenExpiresAt: Date;
}

/** Where subscriptions live. */
export interface SubscriptionStore {
  /** Adds or refreshes a subscription. */
  put(subscription: Subscription): Promise<void>;
  /** @returns whether it existed. */
  remove(channelId: string, connectionId: string): Promise<boolean>;
  /** Every subscription of a channel, a page at a time (never the whole table). */
  ofChannel(channelId: string): AsyncIterable<Subscription[]>;
}

/** Connections as fan-out needs them. */
export interface ConnectionDirectory {
  /** Forgets a connection that is gone, with all its subscriptions. */
  forget(connectionId: string): Promise<void>;
  /** Closes a live connection (its `$disconnect` then cleans up). */
  close(connectionId: string): Promise<void>;
}
