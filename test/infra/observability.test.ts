import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fanOutFunction } from '../../lib/api-routes.ts';
import { logicalIdsOfType, onlyResource, ourFunctions, template, templateJson } from './support/assembly.ts';

interface AlarmProperties {
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: unknown[];
  AlarmActions?: unknown[];
  Threshold?: number;
}

function alarms(): AlarmProperties[] {
  return logicalIdsOfType('AWS::CloudWatch::Alarm').map(
    (id) => templateJson().Resources[id]?.Properties as AlarmProperties,
  );
}

function alarmsOnFunction(functionId: string, metricName: string): AlarmProperties[] {
  return alarms().filter(
    (alarm) =>
      alarm.Namespace === 'AWS/Lambda' &&
      alarm.MetricName === metricName &&
      alarm.Dimensions?.some(
        (dimension) => JSON.stringify(dimension.Value) === JSON.stringify({ Ref: functionId }),
      ),
  );
}

describe('alarms', () => {
  it('watch errors and throttles of every function of ours', () => {
    for (const fn of ourFunctions()) {
      expect(alarmsOnFunction(fn.logicalId, 'Errors'), fn.spec.id).toHaveLength(1);
      expect(alarmsOnFunction(fn.logicalId, 'Throttles'), fn.spec.id).toHaveLength(1);
    }
  });

  it('watch fan-out events that were given up on, and those that could not even be kept', () => {
    const [queueId] = onlyResource('AWS::SQS::Queue');
    const fanOut = ourFunctions().find((fn) => fn.spec.id === fanOutFunction.id);
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
    });
    expect(alarmsOnFunction(fanOut?.logicalId ?? '', 'DestinationDeliveryFailures')).toHaveLength(1);
  });

  it('watch 5xx answers of the HTTP API', () => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: '5xx',
      Dimensions: Match.arrayWith([
        Match.objectLike({ Name: 'ApiId' }),
        { Name: 'Stage', Value: '$default' },
      ]),
    });
  });

  it('watch integration failures of the WebSocket API', () => {
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApiGateway',
      MetricName: 'ExecutionError',
      Dimensions: Match.arrayWith([Match.objectLike({ Name: 'ApiId' }), { Name: 'Stage', Value: 'ws' }]),
    });
  });

  it('watch throttled requests to the connections table', () => {
    const [tableId] = onlyResource('AWS::DynamoDB::GlobalTable');
    const throttles = alarms().filter((alarm) =>
      JSON.stringify(alarm.Metrics ?? []).includes('"ThrottledRequests"'),
    );
    expect(throttles).toHaveLength(1);
    expect(JSON.stringify(throttles[0]?.Metrics)).toContain(`{"Ref":"${tableId}"}`);
  });

  it('watch Aurora capacity nearing its maximum', () => {
    const [clusterId] = onlyResource('AWS::RDS::DBCluster');
    template().hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/RDS',
      MetricName: 'ACUUtilization',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: clusterId } }],
      Threshold: 90,
      EvaluationPeriods: 3,
    });
  });

  it('all notify the alarm topic', () => {
    const [topicId] = onlyResource('AWS::SNS::Topic');
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
  });
});

describe('alarm topic', () => {
  it('is encrypted with a rotating customer managed key that CloudWatch may use', () => {
    const [keyId] = onlyResource('AWS::KMS::Key');
    template().hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template().hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('refuses publishing without TLS', () => {
    template().hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('has no subscription unless alarmEmail is set', () => {
    template().resourceCountIs('AWS::SNS::Subscription', 0);
  });
});
