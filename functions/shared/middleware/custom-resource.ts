import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { logger } from '../logger.ts';

/** What the CDK custom resource provider framework expects back from an `onEvent` handler. */
export interface CustomResourceResult {
  PhysicalResourceId: string;
  Data?: Record<string, string | number>;
}

/**
 * The stack of custom resource handlers run by the CDK provider framework, which answers CloudFormation
 * itself: a thrown error fails the deployment with the error's message, so errors are logged and rethrown.
 */
export function customResourceHandler(
  handler: (event: CloudFormationCustomResourceEvent, context: Context) => Promise<CustomResourceResult>,
) {
  return middy<CloudFormationCustomResourceEvent, CustomResourceResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event, context) => {
      logger.appendKeys({ requestType: event.RequestType, logicalResourceId: event.LogicalResourceId });
      try {
        return await handler(event, context);
      } catch (error) {
        logger.error('Custom resource failed', error as Error);
        throw error;
      }
    });
}
