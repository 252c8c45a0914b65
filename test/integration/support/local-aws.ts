import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { type LocalAws, type LocalAwsOptions, localAccount, startLocalAws } from '#local/local-aws';

export interface TestAws extends LocalAws {
  /** A DynamoDB client on local AWS's DynamoDB, for looking at and planting items. */
  table: DynamoDBDocumentClient;
  /** Stops local AWS and removes its state. */
  dispose(): Promise<void>;
}

/**
 * A private local AWS for one test file: fresh state in a temporary directory, free ports, a tiny web
 * root. Nothing of `.hiroba/` is touched.
 */
export async function startTestAws(
  options: Partial<Omit<LocalAwsOptions, 'stateDir' | 'webRoot'>> = {},
): Promise<TestAws> {
  const root = await mkdtemp(join(tmpdir(), 'hiroba-test-'));
  const webRoot = join(root, 'web');
  await mkdir(webRoot);
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>hiroba test</title>');
  const local = await startLocalAws({
    stateDir: join(root, 'state'),
    webRoot,
    port: 0,
    logLevel: 'WARN',
    template: inject('template'),
    ...options,
  });
  const table = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: local.endpoints.dynamoDb,
      region: localAccount.region,
      credentials: localAccount.credentials,
    }),
  );
  return {
    ...local,
    table,
    async dispose() {
      table.destroy();
      await local.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs`. */
export async function eventually(
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
