import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseResumingException,
  DatabaseUnavailableException,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
  ServiceUnavailableError,
  type SqlParameter,
  TransactionNotFoundException,
} from '@aws-sdk/client-rds-data';
import { DomainError } from '#shared/errors';
import { logger } from '#shared/logger';

/** A value bound to a `:name` parameter. Wrap values PostgreSQL must not read as varchar. */
export type SqlValue =
  | string
  | number
  | boolean
  | null
  | Uint8Array
  | { uuid: string }
  | { timestamp: Date }
  | { json: unknown };

export type SqlParams = Record<string, SqlValue>;

/** Statements against one database, optionally inside a transaction. */
export interface SqlRunner {
  /** Rows as objects keyed by column name (the Data API's `formatRecordsAs: JSON`). */
  query<Row>(sql: string, params?: SqlParams): Promise<Row[]>;
  /** A statement run for its effect: the number of rows it changed. */
  execute(sql: string, params?: SqlParams): Promise<number>;
}

export interface DataApi extends SqlRunner {
  /** Runs `work` in one Data API transaction: committed if it resolves, rolled back if it throws. */
  transaction<T>(work: (tx: SqlRunner) => Promise<T>): Promise<T>;
}

export interface RetryPolicy {
  /** Give up retrying once this much time has gone by since the first attempt. */
  budgetMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * Fits API Gateway's integration timeouts (30 s for HTTP APIs, 29 s for WebSocket APIs) with room for
 * the work after the database answers. Aurora resumes from 0 ACU in about 15 s.
 */
export const defaultRetryPolicy: RetryPolicy = { budgetMs: 22_000, baseDelayMs: 250, maxDelayMs: 4_000 };

export interface DataApiOptions {
  clusterArn: string;
  secretArn: string;
  database: string;
  retry?: RetryPolicy;
  client?: RDSDataClient;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Answers that mean "not now" and that a statement never ran: Aurora waking from 0 ACU (which the SDK
 * does not retry at all), its writer unavailable (a failover, a scaling event), the service itself
 * unavailable. The SDK retries the last two only a few times within a second or so.
 */
const transient = (error: unknown) =>
  error instanceof DatabaseResumingException ||
  error instanceof DatabaseUnavailableException ||
  error instanceof ServiceUnavailableError;

/**
 * The Data API adapter. It retries transient answers with jittered exponential backoff inside the retry
 * budget, then reports the database as `unavailable` so callers answer 503 with `Retry-After`. The SDK's
 * own retries cover throttling and other 5xx answers.
 */
export function createDataApi(options: DataApiOptions): DataApi {
  const client = options.client ?? new RDSDataClient({});
  const policy = options.retry ?? defaultRetryPolicy;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const target = {
    resourceArn: options.clusterArn,
    secretArn: options.secretArn,
    database: options.database,
  };

  async function withResumeRetry<T>(call: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!transient(error)) throw error;
        const delay = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
        if (Date.now() - started + delay > policy.budgetMs) {
          throw new DomainError(
            'unavailable',
            'The database is not available right now; try again shortly.',
            {
              cause: error,
              retryAfterSeconds: 10,
            },
          );
        }
        logger.info('Database is not available; retrying', {
          reason: (error as Error).name,
          attempt,
          delayMs: Math.round(delay),
        });
        await sleep(delay);
      }
    }
  }

  function runner(transactionId?: string): SqlRunner {
    const send = (sql: string, params: SqlParams, formatRecordsAs?: 'JSON') =>
      withResumeRetry(() =>
        client.send(
          new ExecuteStatementCommand({
            ...target,
            sql,
            parameters: toSqlParameters(params),
            transactionId,
            formatRecordsAs,
          }),
        ),
      );
    return {
      async query<Row>(sql: string, params: SqlParams = {}) {
        const output = await send(sql, params, 'JSON');
        return JSON.parse(output.formattedRecords ?? '[]') as Row[];
      },
      async execute(sql: string, params: SqlParams = {}) {
        const output = await send(sql, params);
        return output.numberOfRecordsUpdated ?? 0;
      },
    };
  }

  return {
    ...runner(),
    async transaction(work) {
      const { transactionId } = await withResumeRetry(() =>
        client.send(
          new BeginTransactionCommand({
            resourceArn: target.resourceArn,
            secretArn: target.secretArn,
            database: target.database,
          }),
        ),
      );
      try {
        const result = await work(runner(transactionId));
        await client.send(
          new CommitTransactionCommand({
            resourceArn: target.resourceArn,
            secretArn: target.secretArn,
            transactionId,
          }),
        );
        return result;
      } catch (error) {
        await client
          .send(
            new RollbackTransactionCommand({
              resourceArn: target.resourceArn,
              secretArn: target.secretArn,
              transactionId,
            }),
          )
          .catch((rollbackError: unknown) => {
            // The Data API ends a transaction itself when a statement in it fails.
            if (rollbackError instanceof TransactionNotFoundException) return;
            logger.warn('Rollback failed', { error: rollbackError as Error });
          });
        throw error;
      }
    },
  };
}

/** Binds each value with the Data API type that keeps PostgreSQL from guessing. */
export function toSqlParameters(params: SqlParams): SqlParameter[] {
  return Object.entries(params).map(([name, value]): SqlParameter => {
    if (value === null) return { name, value: { isNull: true } };
    if (typeof value === 'string') return { name, value: { stringValue: value } };
    if (typeof value === 'boolean') return { name, value: { booleanValue: value } };
    if (typeof value === 'number') {
      return Number.isInteger(value)
        ? { name, value: { longValue: value } }
        : { name, value: { doubleValue: value } };
    }
    if (value instanceof Uint8Array) return { name, value: { blobValue: value } };
    if ('uuid' in value) return { name, value: { stringValue: value.uuid }, typeHint: 'UUID' };
    if ('timestamp' in value) {
      // The Data API's TIMESTAMP hint takes "YYYY-MM-DD HH:MM:SS[.FFF]", read as UTC.
      const text = value.timestamp.toISOString().replace('T', ' ').replace('Z', '');
      return { name, value: { stringValue: text }, typeHint: 'TIMESTAMP' };
    }
    return { name, value: { stringValue: JSON.stringify(value.json) }, typeHint: 'JSON' };
  });
}
