import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataApi, type DataApi } from '#adapters/data-api';
import { localAccount } from '#local/local-aws';
import { exportLines } from '../../../scripts/data-export.ts';
import { tinyImages } from '../../unit/support/fakes.ts';
import { type HttpClient, httpClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

const scripts = fileURLToPath(new URL('../../../scripts/', import.meta.url));

let aws: TestAws;
let dir: string;
let client: RDSDataClient;
let db: DataApi;
let alice: HttpClient;
let bob: HttpClient;
let bot: HttpClient;
let publicId: string;
let privateId: string;

/** Runs one of the scripts as `npm run` does, against the test's local AWS. */
function run(script: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(scripts, script), '--local', ...args],
      { env: { ...process.env, AWS_ENDPOINT_URL_RDS_DATA: aws.endpoints.dataApi }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** An export's lines, without the header's time. */
async function exported(name: string): Promise<string[]> {
  const file = join(dir, name);
  const result = await run('export.ts', '--out', file);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const header = JSON.parse(lines[0] as string);
  expect(header).toMatchObject({ type: 'header', format: 'hiroba-export', version: 1 });
  expect(header.migrations.length).toBeGreaterThanOrEqual(2);
  return [JSON.stringify({ ...header, exportedAt: undefined }), ...lines.slice(1)];
}

async function histories() {
  const pages = [];
  for (const [who, id] of [
    [alice, publicId],
    [alice, privateId],
  ] as const) {
    const page = (await who.get(`/api/channels/${id}/messages?limit=200`)).body;
    pages.push(
      page,
      (await who.get(`/api/channels/${id}`)).body,
      (await who.get(`/api/channels/${id}/members`)).body,
    );
  }
  pages.push((await alice.get('/api/channels')).body, (await alice.get('/api/api-keys')).body);
  return pages;
}

beforeAll(async () => {
  aws = await startTestAws();
  dir = await mkdtemp(join(tmpdir(), 'hiroba-export-'));
  client = new RDSDataClient({
    endpoint: aws.endpoints.dataApi,
    region: localAccount.region,
    credentials: localAccount.credentials,
  });
  db = createDataApi({
    clusterArn: localAccount.clusterArn,
    secretArn: localAccount.secretArn,
    database: localAccount.database,
    client,
  });
  alice = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('alice') });
  bob = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('bob', ['admin']) });
  const key = (await alice.post('/api/api-keys', { name: 'deploy bot' })).body.key;
  bot = httpClient(aws.endpoints.edge, { apiKey: key });

  publicId = (await alice.post('/api/channels', { name: 'lobby', description: 'Say hi.' })).body.id;
  privateId = (await alice.post('/api/channels', { name: 'secret plans', visibility: 'private' })).body.id;
  const bobId = (await bob.get('/api/me')).body.userId;
  expect((await alice.put(`/api/channels/${privateId}/members/${bobId}`)).status).toBe(200);
  expect((await bob.post(`/api/channels/${publicId}/join`)).status).toBe(200);
  for (let i = 0; i < 5; i++) {
    expect(
      (await alice.post(`/api/channels/${publicId}/messages`, { content: `hello ${i} “quoted” ✓` })).status,
    ).toBe(201);
  }
  expect(
    (await bob.post(`/api/channels/${privateId}/messages`, { content: 'psst', clientMessageId: 'c-1' }))
      .status,
  ).toBe(201);
  expect((await bot.post(`/api/channels/${publicId}/messages`, { content: 'deployed v1' })).status).toBe(201);
  const upload = (await alice.post('/api/uploads', { contentType: 'image/png', size: tinyImages.png.length }))
    .body;
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.upload.fields as Record<string, string>))
    form.append(name, value);
  form.append('file', new Blob([new Uint8Array(tinyImages.png)]), 'dot.png');
  expect((await fetch(upload.upload.url, { method: 'POST', body: form })).status).toBe(204);
  const attached = await alice.post(`/api/channels/${privateId}/messages`, {
    content: 'look',
    attachments: [{ uploadId: upload.uploadId, alt: 'a dot' }],
  });
  expect(attached.status).toBe(201);
  // A second upload that no message took.
  expect((await bot.post('/api/uploads', { contentType: 'image/gif', size: 35 })).status).toBe(201);
});

afterAll(async () => {
  client?.destroy();
  await aws?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('npm run export and npm run import', () => {
  it('export, wipe, import and export again give the same file, and the API the same answers', async () => {
    const before = await histories();
    const first = await exported('first.jsonl');
    const types = first.slice(1).map((line) => JSON.parse(line).type);
    for (const type of ['user', 'channel', 'member', 'message', 'upload', 'api_key'])
      expect(types).toContain(type);
    expect(first.join('\n')).not.toContain('hrb_');
    // Pages of two rows walk every table by its key and give the same rows.
    const paged = [];
    for await (const line of exportLines(db, { pageRows: 2 })) paged.push(line);
    expect(paged.slice(1)).toEqual(first.slice(1));

    // Wipe everything, then leave the database as a fresh install leaves it: with empty seed channels.
    await db.execute('truncate users, channels, channel_members, messages, uploads, api_keys cascade');
    await db.execute(
      `insert into channels (name, description) values ('general', 'Anything and everything.'), ('random', 'Off-topic chatter.')`,
    );
    expect((await alice.get('/api/channels')).body.map((c: { name: string }) => c.name)).toEqual([
      'general',
      'random',
    ]);

    const imported = await run('import.ts', '--in', join(dir, 'first.jsonl'));
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('message 8/8');

    expect(await exported('second.jsonl')).toEqual(first);
    expect(await histories()).toEqual(before);

    // The sequence goes on from the restored last_seq.
    const next = await alice.post(`/api/channels/${publicId}/messages`, { content: 'after the restore' });
    expect(next.body.seq).toBe(7);
  });

  it('imports the same file again without changing anything', async () => {
    const before = await exported('before-again.jsonl');
    const again = await run('import.ts', join(dir, 'first.jsonl'));

    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /user 0\/\d+, channel 0\/\d+, member 0\/\d+, message 0\/8, upload 0\/2, api_key 0\/1/,
    );
    expect(await exported('after-again.jsonl')).toEqual(before);
  });

  it('leaves API keys out on request, and refuses a file that is not an export', async () => {
    const file = join(dir, 'no-keys.jsonl');
    expect((await run('export.ts', '--out', file, '--without-api-keys')).code).toBe(0);
    expect(await readFile(file, 'utf8')).not.toContain('"type":"api_key"');

    const refused = await run('import.ts', '--in', join(scripts, 'smoke.ts'));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('import failed');
  });
});
