import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { type ITableV2, Operation } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { DatabaseCluster } from 'aws-cdk-lib/aws-rds';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { HirobaFunction } from './function.ts';
import type { HirobaHttpApi } from './http-api.ts';
import type { HirobaWebSocketApi } from './websocket-api.ts';

/** Props of {@link Observability}. */
export interface ObservabilityProps {
  /**
   * Every hiroba function: each gets an errors and a throttles alarm, and one invoked asynchronously also
   * alarms on the events it gave up on.
   */
  readonly functions: readonly HirobaFunction[];
  /** Its `$default` stage's 5xx answers are alarmed on. */
  readonly httpApi: HirobaHttpApi;
  /** Its `ws` stage's failed integration calls are alarmed on. */
  readonly webSocketApi: HirobaWebSocketApi;
  /** Its throttled requests are alarmed on. */
  readonly connectionsTable: ITableV2;
  /** Its capacity nearing the maximum ACU is alarmed on. */
  readonly cluster: DatabaseCluster;
  /**
   * Address subscribed to the alarm topic.
   * @default - no subscription
   */
  readonly alarmEmail?: string;
  /**
   * Aurora capacity use, in percent of the maximum ACU, that counts as "near max".
   * @default 90
   */
  readonly acuUtilizationThreshold?: number;
}

const fiveMinutes = Duration.minutes(5);

/**
 * Alarms on what breaks a chat (function errors and throttles, failed asynchronous deliveries, API 5xx,
 * table throttles, Aurora at its ceiling), all notifying one encrypted SNS topic.
 */
export class Observability extends Construct {
  /** Where every alarm notifies. */
  public readonly topic: Topic;
  /** Every alarm this construct created. */
  public readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);

    // CloudWatch cannot publish to a topic encrypted with the AWS managed SNS key: it needs a key whose
    // policy lets cloudwatch.amazonaws.com use it.
    const key = new Key(this, 'AlarmTopicKey', {
      description: 'Encrypts the hiroba alarm topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: 'hiroba alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail !== undefined) {
      const subscription = new EmailSubscription(props.alarmEmail);
      this.topic.addSubscription(subscription);
      Validations.of(this.topic).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'The only subscription is an e-mail to people: an undeliverable notification has nobody to redrive ' +
          'it to, and the alarm itself stays in ALARM state in CloudWatch.',
      });
    }

    for (const fn of props.functions) {
      const name = fn.node.id;
      this.alarm(`${name}Errors`, fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), {
        threshold: 1,
        description: `${name} threw or timed out`,
      });
      this.alarm(`${name}Throttles`, fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), {
        threshold: 1,
        description: `${name} was throttled (account or reserved concurrency exhausted)`,
      });
      if (fn.failedEvents) this.alarmOnFailedEvents(name, fn, fn.failedEvents);
    }

    // A few 503s are expected while Aurora resumes from 0 ACU; a burst of 5xx is not.
    this.alarm(
      'HttpApiServerErrors',
      props.httpApi.stage.metricServerError({ period: fiveMinutes, statistic: 'Sum' }),
      {
        threshold: 10,
        description: 'The HTTP API answered 5xx at least 10 times in 5 minutes',
      },
    );
    this.alarm(
      'WebSocketApiExecutionErrors',
      new Metric({
        namespace: 'AWS/ApiGateway',
        metricName: 'ExecutionError',
        dimensionsMap: { ApiId: props.webSocketApi.api.apiId, Stage: props.webSocketApi.stage.stageName },
        period: fiveMinutes,
        statistic: 'Sum',
      }),
      {
        threshold: 5,
        description: 'The WebSocket API failed to invoke its integrations at least 5 times in 5 minutes',
      },
    );
    this.alarm(
      'ConnectionsTableThrottles',
      props.connectionsTable.metricThrottledRequestsForOperations({
        operations: [
          Operation.GET_ITEM,
          Operation.PUT_ITEM,
          Operation.UPDATE_ITEM,
          Operation.DELETE_ITEM,
          Operation.QUERY,
          Operation.BATCH_WRITE_ITEM,
        ],
        period: fiveMinutes,
      }),
      { threshold: 1, description: 'DynamoDB throttled requests to the connections table' },
    );
    const acuThreshold = props.acuUtilizationThreshold ?? 90;
    this.alarm(
      'DatabaseCapacityNearMax',
      props.cluster.metric('ACUUtilization', { period: fiveMinutes, statistic: 'Maximum' }),
      {
        threshold: acuThreshold,
        evaluationPeriods: 3,
        description: `Aurora used at least ${acuThreshold}% of its maximum ACU for 15 minutes: raise maxCapacity`,
      },
    );
  }

  /**
   * An event Lambda gave up on (retries exhausted, or too old) is a delivery that never happened; one that
   * could not even be kept is lost without a trace.
   */
  private alarmOnFailedEvents(name: string, fn: HirobaFunction, failedEvents: IQueue): void {
    this.alarm(
      `${name}FailedEvents`,
      failedEvents.metricApproximateNumberOfMessagesVisible({ period: fiveMinutes, statistic: 'Maximum' }),
      {
        threshold: 1,
        description: `${name} gave up on an asynchronous event: inspect its FailedEvents queue`,
      },
    );
    this.alarm(
      `${name}LostEvents`,
      fn.function.metric('DestinationDeliveryFailures', { period: fiveMinutes, statistic: 'Sum' }),
      {
        threshold: 1,
        description: `${name} gave up on an asynchronous event and could not keep it in its FailedEvents queue`,
      },
    );
  }

  private alarm(
    id: string,
    metric: IMetric,
    options: { threshold: number; description: string; evaluationPeriods?: number },
  ): void {
    const alarm = new Alarm(this, id, {
      metric,
      threshold: options.threshold,
      evaluationPeriods: options.evaluationPeriods ?? 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: options.description,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms.push(alarm);
  }
}
