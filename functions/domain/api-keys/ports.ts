/** A bot's API key as its owner sees it: never the secret. */
export interface ApiKey {
  /** The key's id, which is also its bot's `userId`. */
  id: string;
  /** The person who created the key, whose access rights the bot borrows. */
  ownerId: string;
  /** The bot's name (its `userName`). */
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** What authenticating with a key needs to know about it. */
export interface StoredApiKey extends ApiKey {
  /** The SHA-256 of the whole key, hex-encoded. */
  keyHash: string;
  /** Whether the owner is an admin now: a bot's rights follow its owner's. */
  ownerIsAdmin: boolean;
}

/** Where API keys, and the bots they stand for, are kept. */
export interface ApiKeyStore {
  /** Stores the key and creates its bot (a `users` row with the key's id and name) in one transaction. */
  create(key: { id: string; ownerId: string; name: string; keyHash: string }): Promise<ApiKey>;
  /** The owner's keys, newest first. */
  listByOwner(ownerId: string): Promise<ApiKey[]>;
  /** The key with this id, whoever owns it. */
  find(id: string): Promise<StoredApiKey | undefined>;
  /** Deletes the owner's key; `false` when the owner has no key with this id. */
  revoke(ownerId: string, id: string): Promise<boolean>;
  /** Records a use at `at`, unless one was already recorded at or after `recordedSince`. */
  markUsed(id: string, at: Date, recordedSince: Date): Promise<void>;
}
