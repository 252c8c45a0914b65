import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

const script = fileURLToPath(new URL('../../../scripts/smoke.ts', import.meta.url));

let aws: TestAws;
let apiKey: string;

/** Runs `npm run smoke`'s script as a separate process, as an operator would. */
function runSmoke(env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, aws.endpoints.edge],
      { env: { ...process.env, ...env }, timeout: 60_000 },
      (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
    );
  });
}

beforeAll(async () => {
  aws = await startTestAws();
  const owner = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('operator') });
  apiKey = (await owner.post('/api/api-keys', { name: 'smoke bot' })).body.key;
});

afterAll(async () => {
  await aws?.dispose();
});

describe('npm run smoke', () => {
  it('passes every check against local AWS, twice (the smoke channel is reused)', async () => {
    for (let run = 0; run < 2; run++) {
      const { code, stdout } = await runSmoke({ HIROBA_SMOKE_API_KEY: apiKey });

      expect(stdout).not.toContain('FAIL');
      expect(stdout).toContain('ok    WebSocket connects and subscribes');
      expect(stdout).toContain('ok    image upload round-trips through /images/');
      expect(stdout).toContain('ok    security headers on /, /api/health and /images/');
      expect(stdout).toContain('smoke: all checks passed');
      expect(code).toBe(0);
    }
    const channels = (await httpClient(aws.endpoints.edge).get('/api/channels')).body;
    expect(channels.filter((channel: { name: string }) => channel.name === 'smoke')).toHaveLength(1);
  });

  it('stops at the first failing check with one FAIL line and a non-zero exit', async () => {
    const { code, stdout } = await runSmoke({
      HIROBA_SMOKE_API_KEY: `hrb_${'0'.repeat(32)}_${'A'.repeat(43)}`,
    });

    const failures = stdout.split('\n').filter((line) => line.startsWith('FAIL'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('bot API key is valid');
    expect(stdout).not.toContain('WebSocket');
    expect(code).toBe(1);
  });

  it('says which variable is missing without an API key', async () => {
    const { code, stdout } = await runSmoke({ HIROBA_SMOKE_API_KEY: '' });

    expect(stdout).toMatch(/^FAIL {2}bot API key .*HIROBA_SMOKE_API_KEY/m);
    expect(code).toBe(1);
  });
});
