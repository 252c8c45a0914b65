import { CfnResource, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  type IVpc,
  SecurityGroup,
  SubnetType,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AuroraPostgresEngineVersion,
  ClusterInstance,
  Credentials,
  DatabaseCluster,
  DatabaseClusterEngine,
} from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { expiringLogGroup } from './common.ts';

/** Props of {@link HirobaDatabase}. */
export interface HirobaDatabaseProps {
  /**
   * Minimum Aurora Serverless v2 capacity in ACU; 0 pauses the cluster when idle.
   * @default 0
   */
  readonly minCapacity?: number;
  /**
   * Maximum Aurora Serverless v2 capacity in ACU.
   * @default 2
   */
  readonly maxCapacity?: number;
  /**
   * Days of automated backups.
   * @default 7
   */
  readonly backupRetentionDays?: number;
  /**
   * Whether the cluster refuses to be deleted.
   * @default false
   */
  readonly deletionProtection?: boolean;
  /**
   * What happens to the cluster when it leaves the stack. SNAPSHOT keeps the messages in a final snapshot.
   * @default RemovalPolicy.SNAPSHOT
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Retention of the VPC flow log.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Name of the PostgreSQL database the functions use.
   * @default 'hiroba'
   */
  readonly databaseName?: string;
}

/**
 * The message store: Aurora PostgreSQL Serverless v2 with the Data API, in a VPC of isolated subnets.
 *
 * The functions reach it only through the Data API (HTTPS to an AWS endpoint), so they run outside the VPC
 * and the VPC needs no NAT gateway, no public subnet and no security group ingress.
 */
export class HirobaDatabase extends Construct {
  /** The VPC, with isolated subnets only. */
  public readonly vpc: IVpc;
  /** The Aurora cluster; its generated credentials are in `cluster.secret`. */
  public readonly cluster: DatabaseCluster;
  /** Name of the PostgreSQL database the functions use. */
  public readonly databaseName: string;

  constructor(scope: Construct, id: string, props: HirobaDatabaseProps = {}) {
    super(scope, id);
    this.databaseName = props.databaseName ?? 'hiroba';

    this.vpc = new Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'Isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    });
    // The VPC's default-security-group lockdown runs CDK's own singleton function, which logs to a group it
    // creates on first run and never expires: give it one with the stack's retention.
    const restrictDefaultSg = Stack.of(this)
      .node.tryFindChild('Custom::VpcRestrictDefaultSGCustomResourceProvider')
      ?.node.tryFindChild('Handler');
    if (restrictDefaultSg instanceof CfnResource) {
      const logGroup = expiringLogGroup(this, 'RestrictDefaultSecurityGroupLogs', props.logRetention);
      restrictDefaultSg.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
    }
    // Rejected traffic is the signal worth paying for: nothing but the Data API should reach the cluster.
    this.vpc.addFlowLog('FlowLog', {
      trafficType: FlowLogTrafficType.REJECT,
      destination: FlowLogDestination.toCloudWatchLogs(
        expiringLogGroup(this, 'FlowLogGroup', props.logRetention),
      ),
    });

    const securityGroup = new SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc: this.vpc,
      description: 'Aurora cluster: no ingress (the Data API needs none) and no egress',
      allowAllOutbound: false,
    });

    this.cluster = new DatabaseCluster(this, 'MessagesCluster', {
      engine: DatabaseClusterEngine.auroraPostgres({ version: AuroraPostgresEngineVersion.VER_17_9 }),
      writer: ClusterInstance.serverlessV2('Writer', { autoMinorVersionUpgrade: true }),
      serverlessV2MinCapacity: props.minCapacity ?? 0,
      serverlessV2MaxCapacity: props.maxCapacity ?? 2,
      enableDataApi: true,
      credentials: Credentials.fromGeneratedSecret('hiroba_admin'),
      defaultDatabaseName: this.databaseName,
      storageEncrypted: true,
      iamAuthentication: true,
      backup: { retention: Duration.days(props.backupRetentionDays ?? 7) },
      deletionProtection: props.deletionProtection ?? false,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.SNAPSHOT,
      vpc: this.vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [securityGroup],
      copyTagsToSnapshot: true,
    });

    // The cluster's generated credentials (its only secret).
    Validations.of(this.cluster).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'No automatic rotation: only the Data API uses this password, on behalf of IAM-authorized callers, and ' +
        'no network path reaches the cluster (isolated subnets, no ingress). Single-user rotation would need a ' +
        'rotation Lambda in the VPC plus a Secrets Manager interface endpoint (there is no NAT). Add ' +
        '`cluster.addRotationSingleUser()` with that endpoint when a compliance regime requires rotation.',
    });
    if (!(props.deletionProtection ?? false)) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection is off by the `deletionProtection` context value (the development default, so ' +
          '`cdk destroy` works); production stacks set it to true. The removal policy keeps a final snapshot ' +
          'unless `databaseRemovalPolicy` says otherwise.',
      });
    }
  }
}
