import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { sendAwsReply } from '../aws-reply.ts';
import { parseExactJson } from '../exact-json.ts';
import { readBody } from '../http-body.ts';
import { closeServer, listenLocal } from '../listen.ts';
import type { PostgresConnection } from './connections.ts';
import { DataApiError, toDataApiError, unknownOperation } from './errors.ts';
import { DataApiOperations } from './operations.ts';

/** A running RDS Data API emulator. */
export interface DataApiEmulator {
  /** Endpoint for `new RDSDataClient({ endpoint: url })`. */
  url: string;
  /** Answer DatabaseResumingException to every call for ms. */
  pauseFor(ms: number): void;
  /** Stops listening, rolls back open transactions and closes database connections. */
  stop(): Promise<void>;
}

/** Options for {@link startDataApi}. */
export interface DataApiOptions {
  postgres: PostgresConnection;
  /** The only `resourceArn` accepted. */
  clusterArn: string;
  /** The only `secretArn` accepted. */
  secretArn: string;
  /** Database used when a call names none. @default 'postgres' */
  defaultDatabase?: string;
  /** Call timeout. @default 45_000, like AWS */
  statementTimeoutMs?: number;
  /** Largest response body. @default 1 MiB, like AWS */
  maxResponseBytes?: number;
  /** An unused transaction is rolled back after this long. @default 180_000 (3 minutes), like AWS */
  transactionIdleTimeoutMs?: number;
}

/**
 * Starts an HTTP server speaking the RDS Data API's REST-JSON protocol in front of PostgreSQL, so the real
 * `@aws-sdk/client-rds-data` client works against it unchanged (requests are not signature-checked).
 */
export async function startDataApi(options: DataApiOptions): Promise<DataApiEmulator> {
  const operations = new DataApiOperations({
    postgres: options.postgres,
    clusterArn: options.clusterArn,
    secretArn: options.secretArn,
    defaultDatabase: options.defaultDatabase ?? 'postgres',
    statementTimeoutMs: options.statementTimeoutMs ?? 45_000,
    maxResponseBytes: options.maxResponseBytes ?? 1024 * 1024,
    transactionIdleTimeoutMs: options.transactionIdleTimeoutMs ?? 180_000,
  });
  const routes: Record<string, (body: never) => Promise<unknown>> = {
    '/Execute': (body) => operations.executeStatement(body),
    '/BatchExecute': (body) => operations.batchExecuteStatement(body),
    '/BeginTransaction': (body) => operations.beginTransaction(body),
    '/CommitTransaction': (body) => operations.commitTransaction(body),
    '/RollbackTransaction': (body) => operations.rollbackTransaction(body),
  };

  const server = createServer((request, response) => {
    void serve(routes, request, response);
  });
  return {
    url: await listenLocal(server),
    pauseFor: (ms) => operations.pauseFor(ms),
    async stop() {
      // A second stop finds the server closed already, and goes on.
      await closeServer(server).catch(() => {});
      await operations.close();
    },
  };
}

async function serve(
  routes: Record<string, (body: never) => Promise<unknown>>,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const started = performance.now();
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  let status = 200;
  let outcome = 'ok';
  try {
    const operation = request.method === 'POST' ? routes[path] : undefined;
    if (!operation) throw unknownOperation(request.method ?? '', path);
    const result = await operation((await readJson(request)) as never);
    sendAwsReply(response, { status: 200, body: result });
  } catch (thrown) {
    const error = toDataApiError(thrown);
    if (error.type === 'InternalServerErrorException') console.error('[data-api] internal error:', thrown);
    status = error.status;
    outcome = `${error.type}: ${error.message.split('\n')[0]}`;
    sendAwsReply(response, {
      status: error.status,
      errorType: error.type,
      body: { message: error.message, ...error.extra },
    });
  } finally {
    if (process.env.HIROBA_DEBUG) {
      const ms = Math.round(performance.now() - started);
      console.log(`[data-api] ${request.method} ${path} ${status} ${ms}ms ${outcome}`);
    }
  }
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const text = (await readBody(request)).toString('utf8');
  try {
    const body: unknown = text ? parseExactJson(text) : {};
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body;
  } catch {
    // Answered below, like any body that is not a JSON object.
  }
  throw new DataApiError('SerializationException', 400, 'Request body is not a JSON object');
}
