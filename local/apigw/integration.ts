import type { FunctionSpec } from '../../lib/api-routes.ts';
import type { InvokeResult, LambdaRuntime } from '../lambda-runtime.ts';

/**
 * Invokes a route's function as API Gateway's Lambda integration does: if it has not answered within
 * the integration timeout (30 s for HTTP APIs, 29 s for WebSocket APIs), the gateway gives up on it.
 */
export async function invokeWithin(
  runtime: LambdaRuntime,
  fn: FunctionSpec,
  event: unknown,
  timeoutMs: number,
): Promise<InvokeResult | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    return await Promise.race([runtime.invoke(fn, event), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
