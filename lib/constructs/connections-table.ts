import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

import { connectionsTableKeys } from '../../functions/shared/connections-table.ts';

/** Props of {@link ConnectionsTable}. */
export interface ConnectionsTableProps {
  /**
   * Whether the table refuses to be deleted.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the table when it leaves the stack. Its items are ephemeral (live connections).
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * WebSocket connections and channel subscriptions, in one on-demand table.
 *
 * - connection: `pk = CONN#<connectionId>`, `sk = META`
 * - subscription: `pk = CHANNEL#<channelId>`, `sk = CONN#<connectionId>`, so a channel's subscribers are
 *   one Query on the base table
 * - every item carries `connectionId`, the partition key of the `byConnection` GSI (sort key `sk`), so a
 *   connection's items are one Query when it goes away
 * - connection records also carry `userId`, the partition key of the sparse `byUser` GSI (sort key `sk`,
 *   projecting `expiresAt`), so a user's open connections are one Query, and stale ones tell themselves
 *   apart before TTL removes them
 * - rate-limit state: `pk = RATE#<scope>#<id>`, `sk = RATE`, expiring through the same TTL
 *
 * Nothing ever needs a Scan.
 */
export class ConnectionsTable extends Construct {
  /** The table. */
  public readonly table: TableV2;

  constructor(scope: Construct, id: string, props: ConnectionsTableProps = {}) {
    super(scope, id);
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: connectionsTableKeys.partitionKey, type: AttributeType.STRING },
      sortKey: { name: connectionsTableKeys.sortKey, type: AttributeType.STRING },
      billing: Billing.onDemand(),
      timeToLiveAttribute: connectionsTableKeys.expiresAt,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.awsManagedKey(),
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
      globalSecondaryIndexes: [
        {
          indexName: connectionsTableKeys.byConnectionIndex,
          partitionKey: { name: connectionsTableKeys.connectionId, type: AttributeType.STRING },
          sortKey: { name: connectionsTableKeys.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.ALL,
        },
        {
          indexName: connectionsTableKeys.byUserIndex,
          partitionKey: { name: connectionsTableKeys.userId, type: AttributeType.STRING },
          sortKey: { name: connectionsTableKeys.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [connectionsTableKeys.expiresAt],
        },
      ],
    });
  }
}
