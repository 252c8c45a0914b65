/** A WebSocket connection as hiroba records it. */
export interface Connection {
  connectionId: string;
  /** Who opened it (the authorizer's verdict). */
  userId: string;
  connectedAt: Date;
  /** After this moment the record is ignored and DynamoDB's TTL removes it. */
  expiresAt: Date;
  /** When the access token the connection was opened with expires. */
  tokenExpiresAt: Date;
}

/** Where connections and their channel subscriptions are kept. */
export interface ConnectionStore {
  save(connection: Connection): Promise<void>;
  /** Removes the connection and every subscription it holds. Removing an unknown id is not an error. */
  remove(connectionId: string): Promise<void>;
  /** How many unexpired connections the user has open. */
  countOpen(userId: string, now: Date): Promise<number>;
}

/** A frame pushed to one WebSocket client. */
export interface Frame {
  type: string;
  data?: unknown;
}

/** Pushes frames to connected clients. */
export interface ConnectionNotifier {
  /** Resolves `false` when the connection is gone. */
  send(connectionId: string, frame: Frame): Promise<boolean>;
}
