import { Logger } from '@aws-lambda-powertools/logger';

/**
 * The one structured JSON logger of a function. Service name and level come from Powertools'
 * environment variables, which the stack and local AWS set.
 */
export const logger = new Logger();
