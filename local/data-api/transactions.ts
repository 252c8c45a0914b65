import { randomBytes } from 'node:crypto';
import type { Connection } from './connections.ts';
import { isPostgresError, transactionBusy, transactionNotFound } from './errors.ts';

/** A transaction opened by `BeginTransaction`; it holds one pooled connection until it ends. */
export interface OpenTransaction {
  readonly id: string;
  readonly connection: Connection;
  /** A call is using it right now. */
  busy: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * The open transactions, by id. Like AWS, a transaction no call has used for the idle limit (3 minutes by
 * default) is rolled back and forgotten, and an id that ended for any reason is simply not found.
 */
export class TransactionRegistry {
  private readonly open = new Map<string, OpenTransaction>();
  private readonly idleTimeoutMs: number;

  constructor(idleTimeoutMs: number) {
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /** Starts a transaction on `connection` and returns its id. */
  async begin(connection: Connection): Promise<string> {
    await connection.query('BEGIN');
    // AWS ids are opaque base64 strings of this length.
    const transaction: OpenTransaction = { id: randomBytes(138).toString('base64'), connection, busy: false };
    this.open.set(transaction.id, transaction);
    this.armIdleTimer(transaction);
    return transaction.id;
  }

  /** Takes the transaction for one call; AWS refuses a second call while one is running. */
  claim(id: string): OpenTransaction {
    const transaction = this.open.get(id);
    if (!transaction) throw transactionNotFound(id);
    if (transaction.busy) throw transactionBusy();
    transaction.busy = true;
    clearTimeout(transaction.idleTimer);
    return transaction;
  }

  /** Gives the transaction back after a call that left it open. */
  unclaim(transaction: OpenTransaction): void {
    transaction.busy = false;
    this.armIdleTimer(transaction);
  }

  /** Ends the transaction with COMMIT or ROLLBACK and returns its connection to the pool. */
  async end(transaction: OpenTransaction, command: 'COMMIT' | 'ROLLBACK'): Promise<void> {
    this.open.delete(transaction.id);
    clearTimeout(transaction.idleTimer);
    try {
      await transaction.connection.query(command);
      transaction.connection.release();
    } catch (error) {
      // A failed COMMIT (e.g. a deferred constraint) still ends the transaction; a broken link does not
      // leave a reusable connection.
      transaction.connection.release(isPostgresError(error) ? undefined : (error as Error));
      throw error;
    }
  }

  /** Rolls back every open transaction (emulator shutdown). */
  async endAll(): Promise<void> {
    await Promise.allSettled([...this.open.values()].map((transaction) => this.end(transaction, 'ROLLBACK')));
  }

  private armIdleTimer(transaction: OpenTransaction): void {
    transaction.idleTimer = setTimeout(() => {
      this.end(transaction, 'ROLLBACK').catch(() => {});
    }, this.idleTimeoutMs);
    // An abandoned transaction must not keep the process alive.
    transaction.idleTimer.unref();
  }
}
