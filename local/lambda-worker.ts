/**
 * One Lambda sandbox: a worker thread that imports one handler module and runs one invocation at a
 * time, as the Node.js 24 runtime (aws-lambda-nodejs-runtime-interface-client v4) does.
 *
 * `lambda-runtime.ts` owns the lifecycle; this side only loads the handler, builds the context, runs
 * the handler and answers with Lambda's payload or error shape.
 */

import { format } from 'node:util';
import { parentPort, workerData } from 'node:worker_threads';

/** What the runtime tells a new sandbox, once. */
export interface SandboxConfig {
  readonly handlerUrl: string;
  /** Shown in handler errors the way Lambda names the handler, e.g. `http/health.handler`. */
  readonly handlerString: string;
  readonly invokedFunctionArn: string;
}

/** One invocation, event serialised as Lambda serialises it. */
export interface InvokeMessage {
  readonly requestId: string;
  readonly payload: string;
  /** The function's timeout, which starts when the handler does: a cold start's init is not counted. */
  readonly timeoutMs: number;
}

/** Sent when the handler starts, once the module has loaded: the invocation's timeout runs from here. */
export interface StartedMessage {
  readonly requestId: string;
  readonly started: true;
}

/**
 * The outcome of one invocation, with the log lines it wrote (what `LogType: Tail` returns); `initError`
 * means the sandbox is unusable.
 */
export type ResultMessage =
  | { readonly requestId: string; readonly ok: true; readonly payload: string; readonly log: string }
  | {
      readonly requestId: string;
      readonly ok: false;
      readonly errorType: string;
      readonly errorMessage: string;
      /** The stack's lines, as the Node.js runtime reports them. */
      readonly trace?: readonly string[];
      readonly initError?: boolean;
      readonly log?: string;
    };

type Handler = (event: unknown, context: unknown) => unknown;

class RuntimeError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

const port = parentPort;
if (!port) throw new Error('lambda-worker.ts runs only as a worker thread');
const config = workerData as SandboxConfig;

// One invocation at a time per sandbox, so the current request id and its log lines are module state.
let currentRequestId: string | undefined;
let currentLog: string[] = [];

patchConsole();
const loading = loadHandler();
// An init failure is reported to the first invocation, not treated as an unhandled rejection.
loading.catch(() => {});

port.on('message', (message: InvokeMessage) => {
  void invoke(message).then((result) => port.postMessage(result));
});

// The runtime reports these against the running invocation and the sandbox does not survive them.
process.on('unhandledRejection', (reason) =>
  failAndExit('Runtime.UnhandledPromiseRejection', describe(reason)),
);
process.on('uncaughtException', (error) => failAndExit(error.name, error.message));

async function invoke(message: InvokeMessage): Promise<ResultMessage> {
  const { requestId } = message;
  currentRequestId = requestId;
  currentLog = [];
  const log = () => currentLog.join('');
  try {
    let handler: Handler;
    try {
      handler = await loading;
    } catch (error) {
      logError('Init Error', error);
      return { requestId, ok: false, ...errorShape(error), initError: true, log: log() };
    }
    const started: StartedMessage = { requestId, started: true };
    port?.postMessage(started);
    try {
      const deadlineMs = Date.now() + message.timeoutMs;
      const result = await handler(JSON.parse(message.payload), makeContext(message, deadlineMs));
      return { requestId, ok: true, payload: serialise(result), log: log() };
    } catch (error) {
      logError('Invoke Error', error);
      return { requestId, ok: false, ...errorShape(error), log: log() };
    }
  } finally {
    currentRequestId = undefined;
  }
}

async function loadHandler(): Promise<Handler> {
  let module: Record<string, unknown>;
  try {
    module = await import(config.handlerUrl);
  } catch (error) {
    if (error instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', String(error));
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') {
      throw new RuntimeError('Runtime.ImportModuleError', String(error));
    }
    throw error;
  }
  const handler = module.handler;
  if (handler === undefined) {
    throw new RuntimeError('Runtime.HandlerNotFound', `${config.handlerString} is undefined or not exported`);
  }
  if (typeof handler !== 'function') {
    throw new RuntimeError('Runtime.HandlerNotFound', `${config.handlerString} is not a function`);
  }
  // Node.js 24 dropped callback handlers: the runtime refuses any handler declaring a third parameter.
  if (handler.length >= 3) {
    throw new RuntimeError(
      'Runtime.CallbackHandlerDeprecated',
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
        'You need to modify this function to use a supported handler signature to use Node.js 24 or later. ' +
        'For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.',
    );
  }
  return handler as Handler;
}

function makeContext(message: InvokeMessage, deadlineMs: number) {
  const env = process.env;
  return {
    awsRequestId: message.requestId,
    invokedFunctionArn: config.invokedFunctionArn,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    getRemainingTimeInMillis: () => Math.max(0, deadlineMs - Date.now()),
    // Node.js 24 no longer reads this flag (it never waits for the event loop); kept because handlers
    // and @types/aws-lambda still expect the property.
    callbackWaitsForEmptyEventLoop: true,
  };
}

/** Lambda answers with the JSON of the returned value; `undefined` becomes `null`. */
function serialise(result: unknown): string {
  try {
    return JSON.stringify(result) ?? 'null';
  } catch {
    throw new RuntimeError('Runtime.JSONStringifyError', 'Unable to stringify response body');
  }
}

/** Lambda's error object for a thrown value: the Node.js runtime adds the stack as `trace`. */
function errorShape(error: unknown): { errorType: string; errorMessage: string; trace: string[] } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] }
    : { errorType: typeof error, errorMessage: String(error), trace: [] };
}

function describe(reason: unknown): string {
  return reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason);
}

function failAndExit(errorType: string, errorMessage: string): void {
  logError('Uncaught Exception', { errorType, errorMessage });
  if (currentRequestId) {
    const result: ResultMessage = {
      requestId: currentRequestId,
      ok: false,
      errorType,
      errorMessage,
      log: currentLog.join(''),
    };
    port?.postMessage(result);
  }
  process.exit(129);
}

function logError(label: string, error: unknown): void {
  // The log line names the stack `stack`; the invocation's answer names it `trace`.
  const shape =
    error instanceof Error
      ? { errorType: error.name, errorMessage: error.message, stack: error.stack?.split('\n') ?? [] }
      : (error as Record<string, unknown>);
  console.error(`${label} \t${JSON.stringify(shape)}`);
}

/** Lambda's text log format: `<ISO time>\t<request id>\t<LEVEL>\t<message>`, one record per call. */
function patchConsole(): void {
  const levels = [
    ['debug', 'DEBUG', process.stdout],
    ['info', 'INFO', process.stdout],
    ['log', 'INFO', process.stdout],
    ['trace', 'TRACE', process.stdout],
    ['warn', 'WARN', process.stderr],
    ['error', 'ERROR', process.stderr],
  ] as const;
  for (const [method, level, stream] of levels) {
    console[method] = (...args: unknown[]) => {
      const requestId = currentRequestId ?? 'undefined';
      const line = `${new Date().toISOString()}\t${requestId}\t${level}\t${format(...args)}\n`;
      stream.write(line);
      if (currentRequestId) currentLog.push(line);
    };
  }
}
