/**
 * A local Lambda service: runs each function's unchanged handler module the way Lambda does.
 *
 * Each sandbox is a worker thread (`lambda-worker.ts`) with its own `process.env`, its own module
 * graph and so its own module state; a new sandbox is a cold start that imports the handler. As in
 * Lambda, a sandbox runs one invocation at a time: concurrent invocations of a function get more
 * sandboxes, warm ones are reused, and a sandbox whose invocation timed out, whose init failed or
 * that crashed is thrown away.
 *
 * What differs from Lambda, on purpose:
 * - At most `maxSandboxesPerFunction` sandboxes per function; further invocations wait for a free one
 *   instead of being throttled, and idle sandboxes are never reclaimed before `stop()`.
 * - A cold start's init counts towards the invocation's timeout (Lambda gives init its own 10 s).
 * - Sandboxes are not frozen between invocations: background work keeps running.
 * - Memory is enforced only as the V8 old-generation limit of the worker.
 * - Handlers and the rest of local AWS share one process and its CPU.
 */

import { randomBytes, randomUUID } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { FunctionSpec } from '../lib/api-routes.ts';
import { localAccountId } from './apigw/ids.ts';
import type { InvokeMessage, ResultMessage, SandboxConfig, StartedMessage } from './lambda-worker.ts';

/** A function's name in local AWS (in AWS, CloudFormation names it). */
export const localFunctionName = (fn: FunctionSpec) => `hiroba-${fn.id}`;

/** Runs functions locally. */
export interface LambdaRuntime {
  /** Invokes `fn` synchronously (RequestResponse) with `event`, as API Gateway does. */
  invoke(fn: FunctionSpec, event: unknown): Promise<InvokeResult>;
  /** Terminates every sandbox; invocations still running fail. */
  stop(): Promise<void>;
}

/**
 * The function's JSON result, or the error Lambda reports for the invocation (with the stack as `trace`
 * when the handler threw), and the invocation's log as Lambda writes it, `START` to `REPORT`.
 */
export type InvokeResult =
  | { ok: true; value: unknown; log?: string }
  | { ok: false; errorType: string; errorMessage: string; trace?: readonly string[]; log?: string };

/** Options of {@link createLambdaRuntime}. */
export interface LambdaRuntimeOptions {
  /** The function's configured environment variables (endpoints and credentials included). */
  environment(fn: FunctionSpec): Record<string, string>;
  /** Directory holding `<entry>.ts` handler modules. @default functions/handlers/ of this repository */
  handlersDir?: URL;
  /** @default 4 */
  maxSandboxesPerFunction?: number;
  /**
   * How long a sandbox may sit idle before it is reclaimed, as Lambda reclaims execution environments
   * some minutes after their last invocation; the next invocation starts cold.
   * @default 300_000 (5 minutes)
   */
  idleSandboxMs?: number;
}

/** Lambda's limit on a synchronous (RequestResponse) invocation's payload: 6 MiB. */
export const maxRequestBytes = 6_291_456;
// Lambda states the response limit a little above the request's.
const maxResponseBytes = 6_291_556;
const defaultTimeoutSeconds = 10;
/** Lambda's limit on a sandbox's init phase (importing the handler module), apart from the timeout. */
const initLimitMs = 10_000;
const defaultMemoryMb = 256;

interface Sandbox {
  readonly worker: Worker;
  /** Settles the running invocation; set while one runs. */
  settle?: (result: ResultMessage) => void;
  /** Starts the running invocation's timeout once its handler starts; set while one runs. */
  started?: () => void;
  /** Reclaims the sandbox once it has been idle too long; set while it is idle. */
  reclaim?: NodeJS.Timeout;
  dead: boolean;
}

interface FunctionPool {
  readonly idle: Sandbox[];
  readonly waiting: Array<{ resolve(sandbox: Sandbox): void; reject(error: Error): void }>;
  size: number;
}

/** Starts a local Lambda service; sandboxes start on first invocation (cold start). */
export function createLambdaRuntime(options: LambdaRuntimeOptions): LambdaRuntime {
  const handlersDir = options.handlersDir ?? new URL('../functions/handlers/', import.meta.url);
  const maxSandboxes = options.maxSandboxesPerFunction ?? 4;
  const idleSandboxMs = options.idleSandboxMs ?? 300_000;
  const pools = new Map<string, FunctionPool>();
  const sandboxes = new Set<Sandbox>();
  let stopped = false;

  function poolOf(fn: FunctionSpec): FunctionPool {
    let pool = pools.get(fn.id);
    if (!pool) {
      pool = { idle: [], waiting: [], size: 0 };
      pools.set(fn.id, pool);
    }
    return pool;
  }

  function spawn(fn: FunctionSpec): Sandbox {
    const configured = options.environment(fn);
    const region = configured.AWS_REGION ?? 'us-east-1';
    const functionName = localFunctionName(fn);
    const memory = fn.memorySize ?? defaultMemoryMb;
    const today = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const config: SandboxConfig = {
      handlerUrl: new URL(`${fn.entry}.ts`, handlersDir).href,
      handlerString: `${fn.entry}.handler`,
      invokedFunctionArn: `arn:aws:lambda:${region}:${localAccountId}:function:${functionName}`,
    };
    // Lambda's reserved variables first; the function's configuration supplies the rest.
    const env = {
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(memory),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `${today}/[$LATEST]${randomBytes(16).toString('hex')}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      TZ: ':UTC',
      ...configured,
    };
    const worker = new Worker(new URL('./lambda-worker.ts', import.meta.url), {
      workerData: config,
      env,
      // A clean runtime: none of the host process's flags or loaders leak into the sandbox.
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: memory },
    });
    const sandbox: Sandbox = { worker, dead: false };
    sandboxes.add(sandbox);
    worker.on('message', (message: ResultMessage | StartedMessage) => {
      if ('started' in message) sandbox.started?.();
      else sandbox.settle?.(message);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      sandbox.dead = true;
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      sandbox.settle?.({
        requestId: '',
        ok: false,
        errorType: outOfMemory ? 'Runtime.OutOfMemory' : error.name,
        errorMessage: outOfMemory ? 'Error: Runtime exited with error: signal: killed' : error.message,
      });
    });
    worker.on('exit', (code) => {
      sandbox.dead = true;
      sandboxes.delete(sandbox);
      sandbox.settle?.({
        requestId: '',
        ok: false,
        errorType: 'Runtime.ExitError',
        errorMessage: `Error: Runtime exited with error: exit status ${code}`,
      });
    });
    return sandbox;
  }

  async function acquire(fn: FunctionSpec): Promise<Sandbox> {
    const pool = poolOf(fn);
    for (let sandbox = pool.idle.pop(); sandbox; sandbox = pool.idle.pop()) {
      clearTimeout(sandbox.reclaim);
      sandbox.reclaim = undefined;
      if (!sandbox.dead) return sandbox;
      pool.size -= 1;
    }
    if (pool.size < maxSandboxes) {
      pool.size += 1;
      return spawn(fn);
    }
    return new Promise((resolve, reject) => pool.waiting.push({ resolve, reject }));
  }

  function release(fn: FunctionSpec, sandbox: Sandbox): void {
    const pool = poolOf(fn);
    if (sandbox.dead || stopped) {
      pool.size -= 1;
      void sandbox.worker.terminate();
      const next = pool.waiting.shift();
      if (next && !stopped) {
        pool.size += 1;
        next.resolve(spawn(fn));
      }
      return;
    }
    const next = pool.waiting.shift();
    if (next) {
      next.resolve(sandbox);
      return;
    }
    pool.idle.push(sandbox);
    sandbox.reclaim = setTimeout(() => {
      const index = pool.idle.indexOf(sandbox);
      if (index === -1) return;
      pool.idle.splice(index, 1);
      pool.size -= 1;
      sandboxes.delete(sandbox);
      void sandbox.worker.terminate();
    }, idleSandboxMs);
    // An idle sandbox waiting to be reclaimed never keeps the process alive.
    sandbox.reclaim.unref();
  }

  function run(
    fn: FunctionSpec,
    sandbox: Sandbox,
    requestId: string,
    payload: string,
  ): Promise<InvokeResult> {
    const timeoutSeconds = fn.timeoutSeconds ?? defaultTimeoutSeconds;
    const started = performance.now();
    return new Promise((resolve) => {
      const timeOut = () => {
        sandbox.dead = true;
        const message = `Task timed out after ${timeoutSeconds.toFixed(2)} seconds`;
        const line = `${new Date().toISOString()} ${requestId} ${message}\n`;
        process.stderr.write(line);
        settle({
          requestId,
          ok: false,
          errorType: 'Sandbox.Timedout',
          errorMessage: `Error: ${message}`,
          log: line,
        });
      };
      // Until the handler starts, the sandbox may still be initializing: Lambda gives init 10 s of its
      // own. The function's timeout then runs from the handler's start.
      let timer = setTimeout(timeOut, initLimitMs + timeoutSeconds * 1000);
      sandbox.started = () => {
        clearTimeout(timer);
        timer = setTimeout(timeOut, timeoutSeconds * 1000);
      };
      const settle = (result: ResultMessage) => {
        clearTimeout(timer);
        sandbox.settle = undefined;
        sandbox.started = undefined;
        const log = invocationLog(fn, requestId, result.log ?? '', performance.now() - started);
        if (!result.ok) {
          if (result.initError) sandbox.dead = true;
          // Platform errors carry the request id in the message, as Lambda writes them.
          const platform = /^(Sandbox|Runtime\.(ExitError|OutOfMemory))/.test(result.errorType);
          const errorMessage = platform
            ? `RequestId: ${requestId} ${result.errorMessage}`
            : result.errorMessage;
          const trace = result.trace && { trace: result.trace };
          resolve({ ok: false, errorType: result.errorType, errorMessage, ...trace, log });
          return;
        }
        if (Buffer.byteLength(result.payload) > maxResponseBytes) {
          resolve({
            ok: false,
            errorType: 'Function.ResponseSizeTooLarge',
            errorMessage: `Response payload size exceeded maximum allowed payload size (${maxResponseBytes} bytes).`,
            log,
          });
          return;
        }
        resolve({ ok: true, value: JSON.parse(result.payload), log });
      };
      sandbox.settle = settle;
      const message: InvokeMessage = { requestId, payload, timeoutMs: timeoutSeconds * 1000 };
      sandbox.worker.postMessage(message);
    });
  }

  return {
    async invoke(fn, event) {
      if (stopped) throw new Error('The local Lambda runtime is stopped');
      const payload = JSON.stringify(event) ?? 'null';
      const size = Buffer.byteLength(payload);
      if (size > maxRequestBytes) {
        return {
          ok: false,
          errorType: 'RequestEntityTooLargeException',
          errorMessage: `${size} byte payload is too large for the RequestResponse invocation type (limit ${maxRequestBytes} bytes)`,
        };
      }
      const sandbox = await acquire(fn);
      try {
        return await run(fn, sandbox, randomUUID(), payload);
      } finally {
        release(fn, sandbox);
      }
    },

    async stop() {
      stopped = true;
      for (const pool of pools.values()) {
        for (const waiter of pool.waiting) waiter.reject(new Error('The local Lambda runtime is stopped'));
      }
      const all = [...sandboxes];
      for (const sandbox of all) clearTimeout(sandbox.reclaim);
      sandboxes.clear();
      pools.clear();
      await Promise.all(all.map((sandbox) => sandbox.worker.terminate()));
    },
  };
}

/**
 * One invocation's log as Lambda writes it to CloudWatch and returns with `LogType: Tail`: the function's
 * lines between `START` and `END`, then `REPORT`. Memory use is not measured per sandbox here, so the
 * report leaves it out.
 */
function invocationLog(fn: FunctionSpec, requestId: string, lines: string, durationMs: number): string {
  const memory = fn.memorySize ?? defaultMemoryMb;
  return (
    `START RequestId: ${requestId} Version: $LATEST\n${lines}END RequestId: ${requestId}\n` +
    `REPORT RequestId: ${requestId}\tDuration: ${durationMs.toFixed(2)} ms\t` +
    `Billed Duration: ${Math.max(1, Math.ceil(durationMs))} ms\tMemory Size: ${memory} MB\t\n`
  );
}
