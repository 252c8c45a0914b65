import { stringifyExactJson } from '../exact-json.ts';
import { type Connection, DatabasePools, type PostgresConnection, rawQuery } from './connections.ts';
import { type DeadlineOptions, runWithDeadline } from './deadline.ts';
import {
  DataApiError,
  databaseResuming,
  httpEndpointNotEnabled,
  isConnectionFailure,
  responseTooLarge,
  secretNotFound,
  validationError,
} from './errors.ts';
import { prepareStatement } from './parameters.ts';
import { shapeResult } from './results.ts';
import { TransactionRegistry } from './transactions.ts';
import type {
  BatchExecuteStatementRequest,
  BeginTransactionRequest,
  EndTransactionRequest,
  ExecuteStatementRequest,
  ExecuteStatementResponse,
} from './types.ts';

/** Settings of the emulated cluster. */
export interface OperationsConfig {
  postgres: PostgresConnection;
  clusterArn: string;
  secretArn: string;
  defaultDatabase: string;
  statementTimeoutMs: number;
  maxResponseBytes: number;
  transactionIdleTimeoutMs: number;
}

/** The five RDS Data API operations, against PostgreSQL. */
export class DataApiOperations {
  private readonly config: OperationsConfig;
  private readonly pools: DatabasePools;
  private readonly transactions: TransactionRegistry;
  private resumingUntil = 0;

  constructor(config: OperationsConfig) {
    this.config = config;
    this.pools = new DatabasePools(config.postgres);
    this.transactions = new TransactionRegistry(config.transactionIdleTimeoutMs);
  }

  /** Makes every call answer `DatabaseResumingException` for `ms`, as Aurora does while resuming from 0 ACU. */
  pauseFor(ms: number): void {
    this.resumingUntil = Date.now() + ms;
  }

  /** `POST /Execute`. */
  async executeStatement(request: ExecuteStatementRequest): Promise<ExecuteStatementResponse> {
    this.checkCall(request);
    const sql = required(request.sql, 'sql');
    const statement = prepareStatement(sql, request.parameters);
    return this.onConnection(request, Boolean(request.continueAfterTimeout), async (connection) => {
      const result = await rawQuery(connection, statement.text, statement.values, statement.originalPosition);
      const response = await shapeResult(result, request, async (text, values) => {
        return (await rawQuery(connection, text, values)).rows;
      });
      const size = Buffer.byteLength(stringifyExactJson(response) ?? '');
      if (size > this.config.maxResponseBytes) throw responseTooLarge();
      return response;
    });
  }

  /** `POST /BatchExecute`: one statement over many parameter sets, all or nothing. */
  async batchExecuteStatement(request: BatchExecuteStatementRequest) {
    this.checkCall(request);
    const sql = required(request.sql, 'sql');
    const parameterSets = request.parameterSets ?? [];
    const statements = (parameterSets.length ? parameterSets : [[]]).map((set) => prepareStatement(sql, set));
    const ownTransaction = request.transactionId === undefined;
    await this.onConnection(request, false, async (connection) => {
      if (ownTransaction) await connection.query('BEGIN');
      try {
        for (const statement of statements) {
          await rawQuery(connection, statement.text, statement.values, statement.originalPosition);
        }
        if (ownTransaction) await connection.query('COMMIT');
      } catch (error) {
        if (ownTransaction) await connection.query('ROLLBACK').catch(() => {});
        throw error;
      }
    });
    // PostgreSQL reports no generated fields; RETURNING is the way to read them.
    return { updateResults: parameterSets.map(() => ({ generatedFields: [] })) };
  }

  /** `POST /BeginTransaction`. */
  async beginTransaction(request: BeginTransactionRequest) {
    this.checkCall(request);
    const connection = await this.pools.acquire(request.database ?? this.config.defaultDatabase);
    try {
      return { transactionId: await this.transactions.begin(connection) };
    } catch (error) {
      connection.release();
      throw error;
    }
  }

  /** `POST /CommitTransaction`. */
  async commitTransaction(request: EndTransactionRequest) {
    this.checkCall(request);
    const transaction = this.transactions.claim(required(request.transactionId, 'transactionId'));
    await this.transactions.end(transaction, 'COMMIT');
    return { transactionStatus: 'Transaction Committed' };
  }

  /** `POST /RollbackTransaction`. */
  async rollbackTransaction(request: EndTransactionRequest) {
    this.checkCall(request);
    const transaction = this.transactions.claim(required(request.transactionId, 'transactionId'));
    await this.transactions.end(transaction, 'ROLLBACK');
    return { transactionStatus: 'Rollback Complete' };
  }

  /** Rolls back open transactions and closes every connection. */
  async close(): Promise<void> {
    await this.transactions.endAll();
    await this.pools.end();
  }

  /** What AWS checks before touching the database: the cluster, the secret, the schema, a resume in progress. */
  private checkCall(request: { resourceArn?: string; secretArn?: string; schema?: string }): void {
    const resourceArn = required(request.resourceArn, 'resourceArn');
    const secretArn = required(request.secretArn, 'secretArn');
    if (resourceArn !== this.config.clusterArn) throw httpEndpointNotEnabled(resourceArn);
    if (secretArn !== this.config.secretArn) throw secretNotFound();
    if (request.schema !== undefined) throw validationError("The schema parameter isn't supported");
    if (Date.now() < this.resumingUntil) throw databaseResuming(instanceId(this.config.clusterArn));
  }

  /**
   * Runs `work` in the caller's transaction or, without one, on a pooled connection that autocommits. The
   * answer goes out once the connection is accounted for: back in the pool, or the transaction given back
   * (or ended: like AWS, an error aborts the transaction, and its id is then not found). Only a timeout
   * answers early, while the statement is cancelled or, with `continueAfterTimeout`, keeps running.
   */
  private async onConnection<T>(
    request: { transactionId?: string; database?: string },
    continueAfterTimeout: boolean,
    work: (connection: Connection) => Promise<T>,
  ): Promise<T> {
    const deadline: DeadlineOptions = {
      timeoutMs: this.config.statementTimeoutMs,
      continueAfterTimeout,
      cancel: (processId) => this.pools.cancel(processId),
    };
    if (request.transactionId !== undefined) {
      const transaction = this.transactions.claim(request.transactionId);
      const run = runWithDeadline(transaction.connection, () => work(transaction.connection), deadline);
      const accountedFor = run.finished.then((error) =>
        error === undefined
          ? this.transactions.unclaim(transaction)
          : this.transactions.end(transaction, 'ROLLBACK').catch(() => {}),
      );
      return answerAfter(run.answer, accountedFor);
    }
    const connection = await this.pools.acquire(request.database ?? this.config.defaultDatabase);
    const run = runWithDeadline(connection, () => work(connection), deadline);
    const accountedFor = run.finished.then((error) =>
      connection.release(isConnectionFailure(error) ? (error as Error) : undefined),
    );
    return answerAfter(run.answer, accountedFor);
  }
}

async function answerAfter<T>(answer: Promise<T>, accountedFor: Promise<unknown>): Promise<T> {
  try {
    const value = await answer;
    await accountedFor;
    return value;
  } catch (error) {
    const timedOut = error instanceof DataApiError && error.type === 'StatementTimeoutException';
    if (!timedOut) await accountedFor;
    throw error;
  }
}

function required<T>(value: T | undefined | null, member: string): T {
  if (value === undefined || value === null) {
    throw validationError(
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

/** Aurora names a cluster's first instance `<cluster>-instance-1`. */
function instanceId(clusterArn: string): string {
  return `${clusterArn.split(':').at(-1)}-instance-1`;
}
