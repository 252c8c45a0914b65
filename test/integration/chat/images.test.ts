import { GetObjectTaggingCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localAccount } from '#local/local-aws';
import { tinyImages } from '../../unit/support/fakes.ts';
import { type HttpClient, httpClient, type SocketClient, socketClient } from '../support/client.ts';
import { startTestAws, type TestAws } from '../support/local-aws.ts';

let aws: TestAws;
let s3: S3Client;
let alice: HttpClient;
let bob: HttpClient;
let aliceToken: string;
let channelId: string;
const sockets: SocketClient[] = [];

interface CreatedUpload {
  uploadId: string;
  url: string;
  upload: { url: string; fields: Record<string, string> };
  expiresAt: string;
}

/** Starts an upload as `who` and sends `body` as the file, as the browser does. */
async function upload(
  who: HttpClient,
  contentType: string,
  body: Uint8Array,
  options: { declaredSize?: number; fields?: Record<string, string> } = {},
): Promise<{ created: CreatedUpload; response: Response }> {
  const answer = await who.post<CreatedUpload>('/api/uploads', {
    contentType,
    size: options.declaredSize ?? body.length,
  });
  expect(answer.status).toBe(201);
  const response = await sendFile(answer.body, body, options.fields);
  return { created: answer.body, response };
}

function sendFile(created: CreatedUpload, body: Uint8Array, extraFields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...created.upload.fields, ...extraFields }))
    form.append(name, value);
  form.append('file', new Blob([new Uint8Array(body)]), 'picture');
  return fetch(created.upload.url, { method: 'POST', body: form });
}

async function tagsOf(path: string) {
  const answer = await s3.send(
    new GetObjectTaggingCommand({ Bucket: localAccount.mediaBucket, Key: path.slice(1) }),
  );
  return Object.fromEntries((answer.TagSet ?? []).map((tag) => [tag.Key, tag.Value]));
}

async function messageCount(): Promise<number> {
  return (await alice.get(`/api/channels/${channelId}`)).body.messageCount;
}

async function s3Code(response: Response): Promise<string> {
  return /<Code>([^<]*)<\/Code>/.exec(await response.text())?.[1] ?? '';
}

beforeAll(async () => {
  aws = await startTestAws();
  s3 = new S3Client({
    endpoint: aws.endpoints.s3,
    region: localAccount.region,
    credentials: localAccount.credentials,
    forcePathStyle: true,
  });
  aliceToken = await aws.tokenFor('alice');
  alice = httpClient(aws.endpoints.edge, { token: aliceToken });
  bob = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('bob') });
  channelId = (await alice.post('/api/channels', { name: 'pictures' })).body.id;
});

afterAll(async () => {
  for (const socket of sockets) socket.close();
  s3?.destroy();
  await aws?.dispose();
});

describe('POST /api/uploads', () => {
  it('answers a presigned POST to local S3 with the image path and the expiry', async () => {
    const answer = await alice.post<CreatedUpload>('/api/uploads', { contentType: 'image/png', size: 68 });

    expect(answer.status).toBe(201);
    const { uploadId, url, upload, expiresAt } = answer.body;
    expect(url).toBe(`/images/${uploadId}.png`);
    expect(upload.url).toBe(`${aws.endpoints.s3}/${localAccount.mediaBucket}`);
    expect(upload.fields).toMatchObject({
      key: `images/${uploadId}.png`,
      'Content-Type': 'image/png',
      'Cache-Control': 'public, max-age=31536000, immutable',
      tagging: '<Tagging><TagSet><Tag><Key>upload</Key><Value>pending</Value></Tag></TagSet></Tagging>',
    });
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 68]);
    const seconds = (Date.parse(expiresAt) - Date.now()) / 1000;
    expect(seconds).toBeGreaterThan(240);
    expect(seconds).toBeLessThanOrEqual(300);
  });

  it('stores an upload within its limits, tagged pending', async () => {
    const { created, response } = await upload(alice, 'image/png', tinyImages.png);

    expect(response.status).toBe(204);
    expect(await tagsOf(created.url)).toEqual({ upload: 'pending' });
  });

  it('lets a CORS preflight from the edge’s origin upload, and no other origin', async () => {
    const preflight = (origin: string) =>
      fetch(`${aws.endpoints.s3}/${localAccount.mediaBucket}`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight(aws.endpoints.edge);
    const other = await preflight('https://evil.example');

    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(aws.endpoints.edge);
    expect(other.status).toBe(403);
  });

  it('refuses a file larger than the declared size', async () => {
    const { response, created } = await upload(alice, 'image/png', tinyImages.png, {
      declaredSize: tinyImages.png.length - 1,
    });

    expect(response.status).toBe(400);
    expect(await s3Code(response)).toBe('EntityTooLarge');
    const head = await s3
      .send(new HeadObjectCommand({ Bucket: localAccount.mediaBucket, Key: created.url.slice(1) }))
      .catch((error: Error) => error.name);
    expect(head).toBe('NotFound');
  });

  it('refuses a declared size over 10 MiB, or not a positive whole number', async () => {
    for (const size of [10 * 1024 * 1024 + 1, 0, 1.5, '100']) {
      const answer = await alice.post('/api/uploads', { contentType: 'image/png', size });
      expect(answer.status, String(size)).toBe(400);
      expect(answer.body.error.code).toBe('invalid');
      expect(Object.keys(answer.body.error.details)).toEqual(['size']);
    }
  });

  it('refuses a type that is not jpeg, png, gif or webp, SVG included', async () => {
    for (const contentType of ['image/svg+xml', 'text/html', 'image/png; charset=utf-8', 'IMAGE/PNG']) {
      const answer = await alice.post('/api/uploads', { contentType, size: 10 });
      expect(answer.status, contentType).toBe(400);
      expect(Object.keys(answer.body.error.details)).toEqual(['contentType']);
    }
  });

  it('refuses an upload whose Content-Type is changed from the declared one', async () => {
    const { response } = await upload(alice, 'image/png', tinyImages.png, {
      fields: { 'Content-Type': 'text/html' },
    });

    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Policy Condition failed');
  });

  it('refuses an upload once its policy has expired', async () => {
    const answer = await alice.post<CreatedUpload>('/api/uploads', { contentType: 'image/png', size: 68 });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 301_000);
      const response = await sendFile(answer.body, tinyImages.png);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Policy expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses anonymous callers with 401', async () => {
    const answer = await httpClient(aws.endpoints.edge).post('/api/uploads', {
      contentType: 'image/png',
      size: 1,
    });
    expect(answer.status).toBe(401);
  });
});

describe('attaching images to messages', () => {
  it('attaches an own upload with its dimensions, tags it attached, and serves it through the edge', async () => {
    const { created } = await upload(alice, 'image/png', tinyImages.png);

    const answer = await alice.post(`/api/channels/${channelId}/messages`, {
      content: '',
      attachments: [{ uploadId: created.uploadId, alt: 'a single pixel' }],
    });

    expect(answer.status).toBe(201);
    expect(answer.body.content).toBe('');
    expect(answer.body.attachments).toEqual([
      {
        uploadId: created.uploadId,
        url: created.url,
        contentType: 'image/png',
        size: tinyImages.png.length,
        width: 1,
        height: 1,
        alt: 'a single pixel',
      },
    ]);
    expect(await tagsOf(created.url)).toEqual({ upload: 'attached' });
    const history = await bob.get(`/api/channels/${channelId}/messages?after=${answer.body.seq - 1}`);
    expect(history.body.messages[0].attachments).toEqual(answer.body.attachments);

    const image = await fetch(`${aws.endpoints.edge}${created.url}`);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(tinyImages.png);
  });

  it('attaches JPEG, GIF and WebP images with their dimensions', async () => {
    const uploads = [
      (await upload(alice, 'image/jpeg', tinyImages.jpeg)).created,
      (await upload(alice, 'image/gif', tinyImages.gif)).created,
      (await upload(alice, 'image/webp', tinyImages.webp)).created,
    ];

    const answer = await alice.post(`/api/channels/${channelId}/messages`, {
      content: 'three',
      attachments: uploads.map(({ uploadId }) => ({ uploadId })),
    });

    expect(answer.status).toBe(201);
    expect(
      answer.body.attachments.map((a: { width: number; height: number }) => [a.width, a.height]),
    ).toEqual([
      [2, 3],
      [3, 2],
      [1, 1],
    ]);
    expect(answer.body.attachments[0]).not.toHaveProperty('alt');
  });

  it.each([
    [
      'another user’s upload',
      async () => (await upload(bob, 'image/png', tinyImages.png)).created.uploadId,
      'is not an upload of yours',
    ],
    ['an upload that does not exist', async () => crypto.randomUUID(), 'is not an upload of yours'],
    [
      'an upload never sent',
      async () => (await alice.post('/api/uploads', { contentType: 'image/png', size: 68 })).body.uploadId,
      'has not been uploaded (or has expired)',
    ],
    [
      'a PNG that is really HTML',
      async () => (await upload(alice, 'image/png', tinyImages.html)).created.uploadId,
      'is not an image of type image/png',
    ],
  ])('refuses %s, naming the attachment, and stores nothing', async (_, uploadId, problem) => {
    const good = (await upload(alice, 'image/png', tinyImages.png)).created;
    const bad = await uploadId();
    const before = await messageCount();

    const answer = await alice.post(`/api/channels/${channelId}/messages`, {
      content: 'nope',
      attachments: [{ uploadId: good.uploadId }, { uploadId: bad }],
    });

    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({
      code: 'invalid',
      details: { 'attachments.1.uploadId': problem },
    });
    expect(await messageCount()).toBe(before);
    expect(await tagsOf(good.url)).toEqual({ upload: 'pending' });
  });

  it('refuses more than 10 attachments', async () => {
    const attachments = Array.from({ length: 11 }, () => ({ uploadId: crypto.randomUUID() }));

    const answer = await alice.post(`/api/channels/${channelId}/messages`, { content: 'many', attachments });

    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual({ attachments: 'must hold at most 10 images' });
  });

  it('refuses empty content without attachments', async () => {
    const answer = await alice.post(`/api/channels/${channelId}/messages`, { content: '' });

    expect(answer.status).toBe(400);
    expect(answer.body.error.details).toEqual({
      content: 'must not be empty or only whitespace and invisible characters',
    });
  });

  it('accepts content of only invisible characters with an attachment, as it accepts empty content', async () => {
    const { created } = await upload(alice, 'image/gif', tinyImages.gif);

    const answer = await alice.post(`/api/channels/${channelId}/messages`, {
      content: '\u200b',
      attachments: [{ uploadId: created.uploadId }],
    });

    expect(answer.status).toBe(201);
    expect(answer.body.attachments).toHaveLength(1);
  });

  it('attaches an upload to one message only, and answers a repeat with the first message', async () => {
    const { created } = await upload(alice, 'image/gif', tinyImages.gif);
    const send = (clientMessageId: string) =>
      alice.post(`/api/channels/${channelId}/messages`, {
        content: 'once',
        clientMessageId,
        attachments: [{ uploadId: created.uploadId }],
      });

    const first = await send('img-1');
    const repeat = await send('img-1');
    const other = await send('img-2');

    expect(first.status).toBe(201);
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    expect(other.status).toBe(400);
    expect(other.body.error.details).toEqual({
      'attachments.0.uploadId': 'is already attached to a message',
    });
  });

  it('attaches images over WebSocket message:send too, and refuses there alike', async () => {
    const socket = await socketClient(aws.endpoints.edge, aliceToken);
    sockets.push(socket);
    const { created } = await upload(alice, 'image/webp', tinyImages.webp);

    socket.send({
      type: 'message:send',
      data: { id: 'ws-img', channelId, content: '', attachments: [{ uploadId: created.uploadId }] },
    });
    const saved = await socket.next((frame) => frame.type === 'message:saved');
    socket.send({
      type: 'message:send',
      data: { id: 'ws-bad', channelId, content: 'x', attachments: [{ uploadId: crypto.randomUUID() }] },
    });
    const refused = await socket.next((frame) => frame.type === 'message:error');

    expect(saved.data.message.attachments).toEqual([
      {
        uploadId: created.uploadId,
        url: created.url,
        contentType: 'image/webp',
        size: tinyImages.webp.length,
        width: 1,
        height: 1,
      },
    ]);
    expect(await tagsOf(created.url)).toEqual({ upload: 'attached' });
    expect(refused.data).toMatchObject({ id: 'ws-bad', success: false, code: 'invalid' });
    expect(Object.keys(refused.data.details)).toEqual(['attachments.0.uploadId']);
  });
});

describe('the upload quota', () => {
  it('answers 429 rate_limited after 60 uploads in an hour', async () => {
    const carol = httpClient(aws.endpoints.edge, { token: await aws.tokenFor('carol') });
    for (let i = 0; i < 60; i++) {
      expect((await carol.post('/api/uploads', { contentType: 'image/png', size: 1 })).status).toBe(201);
    }

    const refused = await carol.post('/api/uploads', { contentType: 'image/png', size: 1 });

    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
