import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FunctionSpec } from '../../../lib/api-routes.ts';
import { type RunningLambdaApi, startLambdaApi } from '../../../local/lambda-api.ts';
import { createLambdaRuntime, type LambdaRuntime } from '../../../local/lambda-runtime.ts';

const spec = (id: string, entry: string): FunctionSpec => ({ id, entry, access: [] });
const echo = spec('Echo', 'sandbox');
const throws = spec('Throws', 'throws');
const recorded = spec('Recorded', 'async-record');
const hidden = spec('Hidden', 'sandbox');
const names = (fn: FunctionSpec) => `test-${fn.id}`;

interface Attempt {
  id: string;
  failAttempts?: number;
}

/** Records each attempt of the `async-record` fixture and tells it whether to fail. */
class Recorder {
  readonly attempts: Attempt[] = [];
  readonly server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const attempt = JSON.parse(body) as Attempt;
      this.attempts.push(attempt);
      const fail = this.of(attempt.id).length <= (attempt.failAttempts ?? 0);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ fail }));
    });
  });

  of(id: string): Attempt[] {
    return this.attempts.filter((attempt) => attempt.id === id);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const payload = (value: unknown) => Buffer.from(JSON.stringify(value));
const decoded = (bytes: Uint8Array | undefined) => JSON.parse(Buffer.from(bytes ?? []).toString());

describe('local Lambda Invoke API', () => {
  const recorder = new Recorder();
  const logged: string[] = [];
  let runtime: LambdaRuntime;
  let api: RunningLambdaApi;
  let lambda: LambdaClient;
  let attemptId = 0;
  const nextId = () => {
    attemptId += 1;
    return `event-${attemptId}`;
  };

  beforeAll(async () => {
    const recorderUrl = await recorder.start();
    runtime = createLambdaRuntime({
      handlersDir: new URL('./fixtures/', import.meta.url),
      environment: () => ({ RECORDER_URL: recorderUrl, AWS_REGION: 'eu-west-1' }),
    });
    api = await startLambdaApi({
      runtime,
      functions: [echo, throws, recorded],
      names,
      region: 'eu-west-1',
      retryDelaysMs: [50, 100],
      log: (line) => logged.push(line),
    });
    lambda = new LambdaClient({
      endpoint: api.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local-secret' },
    });
  });

  afterAll(async () => {
    lambda?.destroy();
    await api?.stop();
    await runtime?.stop();
    recorder.server.close();
  });

  describe('RequestResponse', () => {
    it("answers 200 with the function's JSON", async () => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: 'test-Echo', Payload: payload({ hello: 'world' }) }),
      );

      expect(answer.StatusCode).toBe(200);
      expect(answer.ExecutedVersion).toBe('$LATEST');
      expect(answer.FunctionError).toBeUndefined();
      expect(decoded(answer.Payload)).toMatchObject({ event: { hello: 'world' } });
    });

    it('gives a function invoked without a payload an empty object', async () => {
      const answer = await lambda.send(new InvokeCommand({ FunctionName: 'test-Echo' }));

      expect(decoded(answer.Payload)).toMatchObject({ event: {} });
    });

    it("reports a failed invocation as 200 with FunctionError Unhandled and Lambda's error object", async () => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: 'test-Throws', Payload: payload({ kind: 'error' }) }),
      );

      expect(answer.StatusCode).toBe(200);
      expect(answer.FunctionError).toBe('Unhandled');
      expect(decoded(answer.Payload)).toEqual({
        errorType: 'TeapotError',
        errorMessage: 'I am a teapot',
        trace: expect.arrayContaining(['TeapotError: I am a teapot']),
      });
    });

    it('reports a thrown value that is not an Error with an empty trace, as the Node.js runtime does', async () => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: 'test-Throws', Payload: payload({ kind: 'string' }) }),
      );

      expect(decoded(answer.Payload)).toEqual({
        errorType: 'string',
        errorMessage: 'plain failure',
        trace: [],
      });
    });

    it('returns the last 4 KB of the log, START to REPORT, when LogType is Tail', async () => {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: 'test-Throws',
          LogType: 'Tail',
          Payload: payload({ kind: 'error' }),
        }),
      );
      const log = Buffer.from(answer.LogResult ?? '', 'base64').toString();
      const requestId = /^START RequestId: (\S+) Version: \$LATEST$/m.exec(log)?.[1];

      expect(requestId).toBeDefined();
      expect(log).toMatch(
        new RegExp(`\\t${requestId}\\tERROR\\tInvoke Error \\t\\{"errorType":"TeapotError"`),
      );
      expect(log).toContain(`END RequestId: ${requestId}\n`);
      expect(log).toMatch(
        new RegExp(`REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms`),
      );
    });

    it('returns no log unless asked, and refuses an unknown LogType', async () => {
      const plain = await lambda.send(new InvokeCommand({ FunctionName: 'test-Echo' }));
      expect(plain.LogResult).toBeUndefined();

      await expect(
        lambda.send(new InvokeCommand({ FunctionName: 'test-Echo', LogType: 'Everything' as 'Tail' })),
      ).rejects.toMatchObject({
        name: 'ValidationException',
        message: expect.stringContaining("'Everything' at 'logType'"),
      });
    });

    it.each([
      ['a full ARN', 'arn:aws:lambda:eu-west-1:000000000000:function:test-Echo'],
      ['a full ARN with $LATEST', 'arn:aws:lambda:eu-west-1:000000000000:function:test-Echo:$LATEST'],
      ['a partial ARN', '000000000000:function:test-Echo'],
      ['a name with $LATEST', 'test-Echo:$LATEST'],
    ])('finds a function named by %s', async (_kind, functionName) => {
      const answer = await lambda.send(
        new InvokeCommand({ FunctionName: functionName, Payload: payload({ by: functionName }) }),
      );

      expect(decoded(answer.Payload)).toMatchObject({ event: { by: functionName } });
    });
  });

  describe('Event', () => {
    it('answers 202 at once and runs the invocation in the background', async () => {
      const id = nextId();

      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: 'test-Recorded',
          InvocationType: 'Event',
          Payload: payload({ id, sleepMs: 500 }),
        }),
      );

      expect(answer.StatusCode).toBe(202);
      expect(answer.Payload ?? new Uint8Array()).toHaveLength(0);
      expect(recorder.of(id)).toHaveLength(0);
      await until(() => recorder.of(id).length === 1, 'the invocation');
    });

    it('retries a failed invocation and stops at the first success', async () => {
      const id = nextId();

      await lambda.send(
        new InvokeCommand({
          FunctionName: 'test-Recorded',
          InvocationType: 'Event',
          Payload: payload({ id, failAttempts: 1 }),
        }),
      );

      await until(() => recorder.of(id).length === 2, 'the retry');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(recorder.of(id)).toHaveLength(2);
      const lines = logged.filter((line) => line.includes(`(${id})`));
      expect(lines).toEqual([
        `local Lambda: asynchronous invocation of test-Recorded failed (attempt 1 of 3): Error: attempt failed as asked (${id}); retrying in 50 ms`,
      ]);
    });

    it('tries a failing invocation three times in all, then discards it, logging every failure', async () => {
      const id = nextId();

      await lambda.send(
        new InvokeCommand({
          FunctionName: 'test-Recorded',
          InvocationType: 'Event',
          Payload: payload({ id, failAttempts: 10 }),
        }),
      );

      await until(() => recorder.of(id).length === 3, 'three attempts');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(recorder.of(id)).toHaveLength(3);
      const lines = logged.filter((line) => line.includes(`(${id})`));
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/attempt 1 of 3\): .*; retrying in 50 ms$/);
      expect(lines[1]).toMatch(/attempt 2 of 3\): .*; retrying in 100 ms$/);
      expect(lines[2]).toMatch(/attempt 3 of 3\): .*; the event is discarded \(no on-failure destination\)$/);
    });
  });

  it('answers DryRun with 204 and invokes nothing', async () => {
    const id = nextId();

    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: 'test-Recorded',
        InvocationType: 'DryRun',
        Payload: payload({ id }),
      }),
    );

    expect(answer.StatusCode).toBe(204);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(recorder.of(id)).toHaveLength(0);
  });

  describe('errors', () => {
    it.each([
      ['an unknown function', 'nope', 'arn:aws:lambda:eu-west-1:000000000000:function:nope'],
      [
        'a function not offered by name',
        names(hidden),
        `arn:aws:lambda:eu-west-1:000000000000:function:${names(hidden)}`,
      ],
      [
        'a version that does not exist',
        'test-Echo:3',
        'arn:aws:lambda:eu-west-1:000000000000:function:test-Echo:3',
      ],
      [
        'another region',
        'arn:aws:lambda:us-east-1:000000000000:function:test-Echo',
        'arn:aws:lambda:eu-west-1:000000000000:function:test-Echo',
      ],
    ])('answers ResourceNotFoundException for %s', async (_kind, functionName, arn) => {
      const invoking = lambda.send(new InvokeCommand({ FunctionName: functionName }));

      await expect(invoking).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
        message: `Function not found: ${arn}`,
        $metadata: { httpStatusCode: 404 },
      });
    });

    it('answers InvalidRequestContentException for a payload that is not JSON', async () => {
      const invoking = lambda.send(
        new InvokeCommand({ FunctionName: 'test-Echo', Payload: Buffer.from('{"not": json') }),
      );

      await expect(invoking).rejects.toMatchObject({
        name: 'InvalidRequestContentException',
        message: expect.stringMatching(/^Could not parse request body into json: /),
        $metadata: { httpStatusCode: 400 },
      });
    });

    it('refuses an asynchronous payload over 1 MB with 413 and invokes nothing', async () => {
      const id = nextId();
      const big = payload({ id, padding: 'x'.repeat(1024 * 1024) });

      const invoking = lambda.send(
        new InvokeCommand({ FunctionName: 'test-Recorded', InvocationType: 'Event', Payload: big }),
      );

      await expect(invoking).rejects.toMatchObject({
        name: 'RequestEntityTooLargeException',
        message: `${big.length} byte payload is too large for the Event invocation type (limit 1048576 bytes)`,
        $metadata: { httpStatusCode: 413 },
      });
      expect(recorder.of(id)).toHaveLength(0);
    });

    it('accepts a synchronous payload over 1 MB, up to 6 MB', async () => {
      const answer = await lambda.send(
        new InvokeCommand({
          FunctionName: 'test-Echo',
          Payload: payload({ padding: 'x'.repeat(2 * 1024 * 1024) }),
        }),
      );

      expect(answer.FunctionError).toBeUndefined();
    });

    it('refuses an unsigned request', async () => {
      const response = await fetch(`${api.url}/2015-03-31/functions/test-Echo/invocations`, {
        method: 'POST',
        body: '{}',
      });

      expect(response.status).toBe(403);
      expect(response.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    });
  });
});
