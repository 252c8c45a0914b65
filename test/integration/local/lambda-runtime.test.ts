import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../../../lib/api-routes.ts';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda-runtime.ts';

const fixtures = new URL('./fixtures/', import.meta.url);
const spec = (id: string, entry: string, extra: Partial<FunctionSpec> = {}): FunctionSpec => ({
  id,
  entry,
  access: [],
  ...extra,
});

const sandbox = spec('Sandbox', 'sandbox', { memorySize: 512 });
const other = spec('Other', 'sandbox');
const slow = spec('Slow', 'sandbox', { timeoutSeconds: 1 });

interface SandboxReport {
  event: unknown;
  sandboxId: string;
  invocations: number;
  context: Record<string, unknown>;
  env: Record<string, string | undefined>;
}

describe('local Lambda runtime', () => {
  let runtime: LambdaRuntime;

  beforeAll(() => {
    process.env.HOST_ONLY = 'the test process has this, a function must not';
    runtime = createLambdaRuntime({
      handlersDir: fixtures,
      environment: (fn) => ({ GREETING: `hello from ${fn.id}`, AWS_REGION: 'eu-west-1' }),
    });
  });

  afterAll(async () => {
    await runtime.stop();
    delete process.env.HOST_ONLY;
  });

  async function report(fn: FunctionSpec, event: unknown = {}): Promise<SandboxReport> {
    const result = await runtime.invoke(fn, event);
    if (!result.ok) throw new Error(`${result.errorType}: ${result.errorMessage}`);
    return result.value as SandboxReport;
  }

  it('passes the event as JSON and gives the handler a Lambda context', async () => {
    const { event, context } = await report(sandbox, { hello: 'world', when: new Date(0) });

    expect(event).toEqual({ hello: 'world', when: '1970-01-01T00:00:00.000Z' });
    expect(context).toMatchObject({
      functionName: 'hiroba-Sandbox',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:hiroba-Sandbox',
      memoryLimitInMB: '512',
      logGroupName: '/aws/lambda/hiroba-Sandbox',
      callbackWaitsForEmptyEventLoop: true,
    });
    expect(context.awsRequestId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(context.remainingTimeInMillis).toBeGreaterThan(8_000);
    expect(context.remainingTimeInMillis).toBeLessThanOrEqual(10_000);
  });

  it("gives each function its own environment and none of the host's", async () => {
    const [first, second] = await Promise.all([report(sandbox), report(other)]);

    expect(first.env).toEqual({
      GREETING: 'hello from Sandbox',
      AWS_REGION: 'eu-west-1',
      AWS_LAMBDA_FUNCTION_NAME: 'hiroba-Sandbox',
    });
    expect(second.env.GREETING).toBe('hello from Other');
    expect(first.sandboxId).not.toBe(second.sandboxId);
  });

  it('reuses a warm sandbox, module state included, for consecutive invocations', async () => {
    const first = await report(other);
    const second = await report(other);

    expect(second.sandboxId).toBe(first.sandboxId);
    expect(second.invocations).toBe(first.invocations + 1);
  });

  it('reclaims a sandbox left idle too long, so the next invocation starts cold', async () => {
    const short = createLambdaRuntime({ handlersDir: fixtures, environment: () => ({}), idleSandboxMs: 300 });
    try {
      const first = (await short.invoke(other, {})) as { value: SandboxReport };
      const warm = (await short.invoke(other, {})) as { value: SandboxReport };
      await new Promise((resolve) => setTimeout(resolve, 800));
      const cold = (await short.invoke(other, {})) as { value: SandboxReport };

      expect(warm.value.sandboxId).toBe(first.value.sandboxId);
      expect(cold.value.sandboxId).not.toBe(first.value.sandboxId);
      expect(cold.value.invocations).toBe(1);
    } finally {
      await short.stop();
    }
  });

  it('runs concurrent invocations in separate sandboxes', async () => {
    const [a, b] = await Promise.all([report(sandbox, { sleepMs: 300 }), report(sandbox, { sleepMs: 300 })]);

    expect(a.sandboxId).not.toBe(b.sandboxId);
  });

  it("fails a timed-out invocation with Lambda's error and starts the next one cold", async () => {
    const warm = await report(slow);

    const timedOut = await runtime.invoke(slow, { sleepMs: 3_000 });
    const after = await report(slow);

    expect(timedOut).toMatchObject({
      ok: false,
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(
        /^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/,
      ),
    });
    expect(!timedOut.ok && timedOut.log).toMatch(/Task timed out after 1\.00 seconds\nEND RequestId: /);
    expect(after.sandboxId).not.toBe(warm.sandboxId);
    expect(after.invocations).toBe(1);
  });

  it('reports a thrown error by its name, message and stack, with the log of its invocation', async () => {
    const fn = spec('Throws', 'throws');

    const thrown = await runtime.invoke(fn, { kind: 'error' });

    expect(thrown).toEqual({
      ok: false,
      errorType: 'TeapotError',
      errorMessage: 'I am a teapot',
      trace: expect.arrayContaining(['TeapotError: I am a teapot']),
      log: expect.stringMatching(/^START RequestId: \S+ Version: \$LATEST\n.*\tERROR\tInvoke Error \t/),
    });
    await expect(runtime.invoke(fn, { kind: 'string' })).resolves.toMatchObject({
      ok: false,
      errorType: 'string',
      errorMessage: 'plain failure',
      trace: [],
    });
  });

  it('refuses a response over 6 MB', async () => {
    const result = await runtime.invoke(spec('Throws', 'throws'), { kind: 'huge' });

    expect(result).toMatchObject({
      ok: false,
      errorType: 'Function.ResponseSizeTooLarge',
      errorMessage: 'Response payload size exceeded maximum allowed payload size (6291556 bytes).',
    });
  });

  it('refuses an event over 6 MB without running the function', async () => {
    const result = await runtime.invoke(sandbox, { blob: 'x'.repeat(6_300_000) });

    expect(result).toMatchObject({ ok: false, errorType: 'RequestEntityTooLargeException' });
  });

  it('reports a sandbox that exits mid-invocation and replaces it', async () => {
    const fn = spec('Exits', 'throws');

    const result = await runtime.invoke(fn, { kind: 'exit' });
    const next = await runtime.invoke(fn, { kind: 'none' });

    expect(result).toMatchObject({
      ok: false,
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/),
    });
    expect(next).toMatchObject({ ok: true, value: 'no failure asked' });
  });

  it('reports init failures the way the Node.js 24 runtime does', async () => {
    await expect(runtime.invoke(spec('NoHandler', 'no-handler'), {})).resolves.toMatchObject({
      ok: false,
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'no-handler.handler is undefined or not exported',
    });
    await expect(runtime.invoke(spec('Callback', 'callback'), {})).resolves.toMatchObject({
      ok: false,
      errorType: 'Runtime.CallbackHandlerDeprecated',
    });
    await expect(runtime.invoke(spec('InitError', 'init-error'), {})).resolves.toMatchObject({
      ok: false,
      errorType: 'RangeError',
      errorMessage: 'configuration is missing',
    });
    await expect(runtime.invoke(spec('Missing', 'does-not-exist'), {})).resolves.toMatchObject({
      ok: false,
      errorType: 'Runtime.ImportModuleError',
    });
  });
});
