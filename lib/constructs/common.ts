import { Aws, Fn, RemovalPolicy } from 'aws-cdk-lib';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/** The UUID in the stack's id: unique across accounts, regions, stacks and re-creations of one stack. */
export const stackUuid = (): string => Fn.select(2, Fn.split('/', Aws.STACK_ID));

/** A log group whose events expire after `retention` (a month by default), deleted with the stack. */
export function expiringLogGroup(
  scope: Construct,
  id: string,
  retention: RetentionDays = RetentionDays.ONE_MONTH,
): LogGroup {
  return new LogGroup(scope, id, { retention, removalPolicy: RemovalPolicy.DESTROY });
}
