import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { isRollback } from '#shared/deployments';

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ResponseURL: 'https://example.com/response',
  StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/Hiroba/1',
  RequestId: 'request-1',
  LogicalResourceId: 'SchemaMigrations',
  ResourceType: 'Custom::HirobaMigrations',
};
const properties = (synthesizedAt?: string) => ({
  ServiceToken: base.ServiceToken,
  ...(synthesizedAt && { SynthesizedAt: synthesizedAt }),
});
const update = (now?: string, before?: string): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Update',
  PhysicalResourceId: 'hiroba-schema-migrations',
  ResourceProperties: properties(now),
  OldResourceProperties: properties(before),
});

describe('isRollback', () => {
  it('sees a rollback in an Update that brings an older template than the one before it', () => {
    expect(isRollback(update('2026-11-01T10:00:00.000Z', '2026-11-02T10:00:00.000Z'))).toBe(true);
    expect(isRollback(update(undefined, '2026-11-02T10:00:00.000Z'))).toBe(true);
  });

  it('sees a deploy in an Update that brings a newer (or the first timed) template', () => {
    expect(isRollback(update('2026-11-02T10:00:00.000Z', '2026-11-01T10:00:00.000Z'))).toBe(false);
    expect(isRollback(update('2026-11-02T10:00:00.000Z', undefined))).toBe(false);
    expect(isRollback(update(undefined, undefined))).toBe(false);
  });

  it('never sees one in a Create or a Delete', () => {
    const create: CloudFormationCustomResourceEvent = {
      ...base,
      RequestType: 'Create',
      ResourceProperties: properties('2026-11-01T10:00:00.000Z'),
    };
    expect(isRollback(create)).toBe(false);
    expect(isRollback({ ...create, RequestType: 'Delete', PhysicalResourceId: 'x' })).toBe(false);
  });
});
