import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { fanOutFunction } from '../../lib/api-routes.ts';
import {
  acknowledgedRules,
  onlyResource,
  ourFunctions,
  referencedId,
  roleStatements,
  template,
  templateJson,
} from './support/assembly.ts';

const fanOut = () => {
  const fn = ourFunctions().find((candidate) => candidate.spec.id === fanOutFunction.id);
  if (!fn) throw new Error('No fan-out function');
  return fn;
};
const queueId = () => onlyResource('AWS::SQS::Queue')[0];

describe('fan-out function', () => {
  it('has concurrency reserved for it alone, 100 by default, which no route function has', () => {
    const reserved = Object.entries(templateJson().Resources)
      .filter(([, resource]) => resource.Type === 'AWS::Lambda::Function')
      .filter(([, resource]) => resource.Properties?.ReservedConcurrentExecutions !== undefined);
    expect(reserved.map(([id, resource]) => [id, resource.Properties?.ReservedConcurrentExecutions])).toEqual(
      [[fanOut().logicalId, 100]],
    );
  });

  it('retries a failed delivery twice, gives up after 5 minutes, and keeps what it gives up on in a queue', () => {
    const [, config] = onlyResource('AWS::Lambda::EventInvokeConfig');
    expect(config.Properties).toEqual({
      FunctionName: { Ref: fanOut().logicalId },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
  });

  it('is the only function invoked asynchronously', () => {
    const [, config] = onlyResource('AWS::Lambda::EventInvokeConfig');
    expect(referencedId(config.Properties?.FunctionName)).toBe(fanOut().logicalId);
  });

  it('may send its failed events to that queue, and only that queue', () => {
    const statements = roleStatements(fanOut()).filter((statement) =>
      JSON.stringify(statement.Action).includes('sqs:'),
    );
    expect(statements).toEqual([
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
        Resource: { 'Fn::GetAtt': [queueId(), 'Arn'] },
      },
    ]);
  });

  it('has no API Gateway permission: nothing but its callers, through IAM, invokes it', () => {
    const permissions = Object.values(templateJson().Resources).filter(
      (resource) =>
        resource.Type === 'AWS::Lambda::Permission' &&
        referencedId(resource.Properties?.FunctionName) === fanOut().logicalId,
    );
    expect(permissions).toEqual([]);
  });
});

describe('failed fan-out events queue', () => {
  it('is encrypted and keeps events for 14 days', () => {
    template().hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      MessageRetentionPeriod: 14 * 24 * 3600,
    });
  });

  it('refuses requests that are not over TLS', () => {
    template().hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sqs:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });
});

describe('dead-letter acknowledgments', () => {
  it('call only synchronously invoked functions synchronous, and name the fan-out its destination', () => {
    for (const fn of ourFunctions()) {
      const reason = acknowledgedRules(fn.logicalId)['Serverless-LambdaDLQ'] ?? '';
      if (fn.spec.id === fanOutFunction.id) {
        expect(reason, fn.spec.id).toMatch(/on-failure destination/);
        expect(reason, fn.spec.id).not.toMatch(/synchronously/);
      } else {
        expect(reason, fn.spec.id).toMatch(/only invoked synchronously/);
      }
    }
  });
});
