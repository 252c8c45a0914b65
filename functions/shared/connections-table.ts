/**
 * Attribute and index names of the connections table: the stack creates the table with them and the
 * functions' DynamoDB adapter queries with them.
 */
export const connectionsTableKeys = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Every item carries its connection id: the partition key of {@link connectionsTableKeys.byConnectionIndex}. */
  connectionId: 'connectionId',
  /** Epoch seconds after which DynamoDB's TTL deletes the item: a backstop for missed `$disconnect`s. */
  expiresAt: 'expiresAt',
  /** GSI: a connection's items (its META and its subscriptions) in one Query, for cleanup. */
  byConnectionIndex: 'byConnection',
  /**
   * Only connection records (`sk = META`) carry the user's id: the partition key of the sparse
   * {@link connectionsTableKeys.byUserIndex}.
   */
  userId: 'userId',
  /** Sparse GSI: a user's open connections (with their `expiresAt`), to cap them per user. */
  byUserIndex: 'byUser',
} as const;
