/**
 * A local Lambda Invoke API (`POST /2015-03-31/functions/{FunctionName}/invocations`), as
 * `@aws-sdk/client-lambda` calls it, in front of the local Lambda runtime. Functions that invoke
 * others by name (the fan-out) reach it through `AWS_ENDPOINT_URL_LAMBDA`.
 *
 * Behaviour taken from the Invoke API reference and Lambda's asynchronous invocation guide:
 * - `X-Amz-Invocation-Type: RequestResponse` (the default) answers 200 with the function's JSON; a
 *   failed invocation is still 200, with `X-Amz-Function-Error: Unhandled` and Lambda's error object.
 * - `Event` queues the event and answers 202 at once. A failed attempt is retried twice, as Lambda does
 *   for asynchronous invocations (after about 1 and 2 minutes in AWS; `retryDelaysMs`, much shorter by
 *   default, here). With no on-failure destination, the event is then discarded; every failure is logged.
 * - `DryRun` only checks the request: 204.
 * - Errors: an unknown function or qualifier is 404 `ResourceNotFoundException` ("Function not found:
 *   <arn>"); a body that is not JSON is 400 `InvalidRequestContentException`; a payload over 6 MB
 *   (synchronous) or 1 MB (asynchronous) is 413 `RequestEntityTooLargeException`. The error type is in
 *   `x-amzn-ErrorType`, as the SDK reads it.
 * - `FunctionName` may be a name, a full ARN or a partial ARN (`<account>:function:<name>`), with an
 *   optional qualifier; only `$LATEST` exists locally.
 *
 * - `X-Amz-Log-Type: Tail` on a synchronous invocation returns the last 4 KB of its log, base64, in
 *   `X-Amz-Log-Result`; an error object carries the stack as `trace`, as the Node.js runtime writes it.
 *
 * What differs, on purpose: signatures are required but not verified (as in the other emulators); a
 * retried event gets a new request id; `ClientContext` is ignored.
 */

import { createServer, type IncomingMessage } from 'node:http';
import type { FunctionSpec } from '../lib/api-routes.ts';
import { localAccountId } from './apigw/ids.ts';
import { decodeComponent, splitTarget } from './apigw/request.ts';
import { type AwsReply, sendAwsReply } from './aws-reply.ts';
import { readLimitedBody } from './http-body.ts';
import { type InvokeResult, type LambdaRuntime, maxRequestBytes } from './lambda-runtime.ts';
import { closeServer, listenLocal } from './listen.ts';

/** Options of {@link startLambdaApi}. */
export interface LambdaApiOptions {
  readonly runtime: LambdaRuntime;
  /** The functions that may be invoked by name. */
  readonly functions: readonly FunctionSpec[];
  /** A function's name, as callers put it in `FunctionName` (and as its ARN ends). */
  names(fn: FunctionSpec): string;
  /** The region in the functions' ARNs. @default 'us-east-1' */
  readonly region?: string;
  /** Waits before the second and third attempts of a failed asynchronous invocation. @default [1_000, 2_000] */
  readonly retryDelaysMs?: readonly [number, number];
  /** Where failed asynchronous invocations are reported. @default console.error */
  readonly log?: (line: string) => void;
}

/** A running local Lambda API. */
export interface RunningLambdaApi {
  /** `http://127.0.0.1:<port>`, the endpoint for `AWS_ENDPOINT_URL_LAMBDA`. */
  readonly url: string;
  /** Stops answering; queued retries are dropped and running invocations are not awaited. */
  stop(): Promise<void>;
}

// Lambda's payload limit for asynchronous (Event) invocations; synchronous ones share the runtime's.
const maxAsyncBytes = 1024 * 1024;

const invocationPath = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
// FunctionName's pattern from the API reference, with the region and account captured.
const functionNamePattern =
  /^(?:arn:aws[a-zA-Z-]*:lambda:([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d):(\d{12}):function:|(\d{12}):function:)?([a-zA-Z0-9_-]+)(?::(\$LATEST|[a-zA-Z0-9_-]+))?$/;

/** Starts the local Lambda API for `functions`, invoking them through `runtime`. */
export async function startLambdaApi(options: LambdaApiOptions): Promise<RunningLambdaApi> {
  const region = options.region ?? 'us-east-1';
  const [firstRetryMs, secondRetryMs] = options.retryDelaysMs ?? [1_000, 2_000];
  const log = options.log ?? ((line: string) => console.error(line));
  const byName = new Map(options.functions.map((fn) => [options.names(fn), fn]));
  const retries = new Set<NodeJS.Timeout>();
  let stopped = false;

  const arnOf = (name: string, qualifier?: string) =>
    `arn:aws:lambda:${region}:${localAccountId}:function:${name}${qualifier ? `:${qualifier}` : ''}`;

  const server = createServer((req, res) => {
    handle(req)
      .then((answer) => sendAwsReply(res, answer))
      .catch((error: unknown) => {
        console.error('local Lambda API: request failed', error);
        sendAwsReply(res, {
          status: 500,
          errorType: 'ServiceException',
          body: { Type: 'Service', Message: 'Internal error' },
        });
      });
  });

  async function handle(req: IncomingMessage): Promise<AwsReply> {
    const { path, rawQueryString } = splitTarget(req.url);
    const match = invocationPath.exec(path);
    if (!match || req.method !== 'POST') {
      req.resume();
      return {
        status: 404,
        errorType: 'UnknownOperationException',
        body: { Type: 'User', message: `No Lambda operation at ${req.method} ${path}` },
      };
    }
    if (!req.headers.authorization) {
      req.resume();
      return {
        status: 403,
        errorType: 'MissingAuthenticationTokenException',
        body: { message: 'Missing Authentication Token' },
      };
    }
    const invocationType = header(req, 'x-amz-invocation-type') ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(invocationType)) {
      req.resume();
      return validationError(
        `Value '${invocationType}' at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]`,
      );
    }

    const logType = header(req, 'x-amz-log-type') ?? 'None';
    if (!['None', 'Tail'].includes(logType)) {
      req.resume();
      return validationError(
        `Value '${logType}' at 'logType' failed to satisfy constraint: Member must satisfy enum value set: [None, Tail]`,
      );
    }

    const target = resolveFunction(
      decodeComponent(match[1] as string),
      new URLSearchParams(rawQueryString).get('Qualifier'),
    );
    if ('answer' in target) {
      req.resume();
      return target.answer;
    }

    const limit = invocationType === 'Event' ? maxAsyncBytes : maxRequestBytes;
    const body = await readLimitedBody(req, limit);
    if ('tooLarge' in body) {
      return {
        status: 413,
        errorType: 'RequestEntityTooLargeException',
        body: {
          Type: 'User',
          message: `${body.tooLarge} byte payload is too large for the ${invocationType === 'Event' ? 'Event' : 'RequestResponse'} invocation type (limit ${limit} bytes)`,
        },
      };
    }
    let event: unknown;
    try {
      // An invocation without a payload receives an empty object, as the console and CLI show.
      event = body.data.length === 0 ? {} : JSON.parse(body.data.toString('utf8'));
    } catch (error) {
      return {
        status: 400,
        errorType: 'InvalidRequestContentException',
        body: {
          Type: 'User',
          message: `Could not parse request body into json: ${(error as Error).message}`,
        },
      };
    }

    switch (invocationType) {
      case 'DryRun':
        return { status: 204 };
      case 'Event':
        attempt(target.fn, target.name, event, 1);
        return { status: 202 };
      default: {
        const result = await options.runtime.invoke(target.fn, event);
        const headers: Record<string, string> = { 'x-amz-executed-version': '$LATEST' };
        if (logType === 'Tail') headers['x-amz-log-result'] = logTail(result.log ?? '');
        if (result.ok) return { status: 200, headers, body: result.value };
        const { errorType, errorMessage, trace } = result;
        return {
          status: 200,
          headers: { ...headers, 'x-amz-function-error': 'Unhandled' },
          body: { errorType, errorMessage, ...(trace && { trace }) },
        };
      }
    }
  }

  function resolveFunction(
    functionName: string,
    queryQualifier: string | null,
  ): { fn: FunctionSpec; name: string } | { answer: AwsReply } {
    const parts = functionNamePattern.exec(functionName);
    if (!parts) {
      return {
        answer: validationError(
          `Value '${functionName}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${functionNamePattern.source}`,
        ),
      };
    }
    const [, arnRegion, arnAccount, partialAccount, name = '', nameQualifier] = parts;
    const qualifier = nameQualifier ?? queryQualifier ?? undefined;
    if (nameQualifier && queryQualifier && nameQualifier !== queryQualifier) {
      return {
        answer: {
          status: 400,
          errorType: 'InvalidParameterValueException',
          body: {
            Type: 'User',
            message: 'The derived qualifier from the function name does not match the specified qualifier.',
          },
        },
      };
    }
    const fn = byName.get(name);
    const account = arnAccount ?? partialAccount ?? localAccountId;
    const here = (arnRegion ?? region) === region && account === localAccountId;
    if (!fn || !here || (qualifier !== undefined && qualifier !== '$LATEST')) {
      return {
        answer: {
          status: 404,
          errorType: 'ResourceNotFoundException',
          body: { Type: 'User', Message: `Function not found: ${arnOf(name, qualifier)}` },
        },
      };
    }
    return { fn, name };
  }

  /** One attempt of an asynchronous invocation; a failure schedules the next, up to three in all. */
  function attempt(fn: FunctionSpec, name: string, event: unknown, number: 1 | 2 | 3): void {
    void invokeSafely(fn, event).then((result) => {
      if (result.ok || stopped) return;
      const failure = `local Lambda: asynchronous invocation of ${name} failed (attempt ${number} of 3): ${result.errorType}: ${result.errorMessage}`;
      if (number === 3) {
        log(`${failure}; the event is discarded (no on-failure destination)`);
        return;
      }
      const delayMs = number === 1 ? firstRetryMs : secondRetryMs;
      log(`${failure}; retrying in ${delayMs} ms`);
      const timer = setTimeout(() => {
        retries.delete(timer);
        if (!stopped) attempt(fn, name, event, number === 1 ? 2 : 3);
      }, delayMs);
      retries.add(timer);
    });
  }

  async function invokeSafely(fn: FunctionSpec, event: unknown): Promise<InvokeResult> {
    try {
      return await options.runtime.invoke(fn, event);
    } catch (error) {
      return { ok: false, errorType: 'ServiceException', errorMessage: String(error) };
    }
  }

  return {
    url: await listenLocal(server),
    async stop() {
      stopped = true;
      for (const timer of retries) clearTimeout(timer);
      retries.clear();
      await closeServer(server);
    },
  };
}

/** The last 4 KB of an invocation's log, base64-encoded, as `X-Amz-Log-Result` carries it. */
function logTail(log: string): string {
  const bytes = Buffer.from(log);
  return bytes.subarray(Math.max(0, bytes.length - 4096)).toString('base64');
}

function validationError(message: string): AwsReply {
  return {
    status: 400,
    errorType: 'ValidationException',
    body: { message: `1 validation error detected: ${message}` },
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
