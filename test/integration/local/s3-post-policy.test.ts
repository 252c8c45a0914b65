import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { credentials, errorOf, s3Client } from './support/s3.ts';

const region = 'us-east-1';
const bucket = 'media';

let s3: S3Emulator;
let client: S3Client;

/** A browser-like form upload: the presigned fields, any extra fields, then the file last. */
async function upload(
  post: { url: string; fields: Record<string, string> },
  file: { body: string | Uint8Array; name: string; type?: string },
  options: { extraFields?: Record<string, string>; url?: string; redirect?: RequestRedirect } = {},
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...options.extraFields }))
    form.append(name, value);
  form.append(
    'file',
    new Blob([typeof file.body === 'string' ? file.body : new Uint8Array(file.body)], {
      type: file.type ?? 'application/octet-stream',
    }),
    file.name,
  );
  return fetch(options.url ?? post.url, { method: 'POST', body: form, redirect: options.redirect });
}

function presign(options: Partial<PresignedPostOptions> = {}) {
  return createPresignedPost(client, {
    Bucket: bucket,
    // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's ${filename} placeholder, expanded by S3.
    Key: 'uploads/alice/${filename}',
    Conditions: [['content-length-range', 1, 1024]],
    Fields: { 'Content-Type': 'image/png' },
    Expires: 300,
    ...options,
  });
}

async function exists(key: string): Promise<boolean> {
  return client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );
}

beforeAll(async () => {
  s3 = await startS3({ buckets: [{ name: bucket }, { name: 'other' }], region, credentials });
  client = s3Client(s3.url, region);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 POST policy uploads', () => {
  it('stores the file under its key with the filename expanded, with the Content-Type field, and answers 204', async () => {
    const response = await upload(await presign(), { body: 'png bytes', name: 'cat.png' });
    expect(response.status).toBe(204);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers.get('location')).toBe(`${s3.url}/${bucket}/uploads/alice/cat.png`);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'uploads/alice/cat.png' }));
    expect(await got.Body?.transformToString()).toBe('png bytes');
    expect(got.ContentType).toBe('image/png');
  });

  it('keeps x-amz-meta-* and Cache-Control fields the policy allows', async () => {
    const post = await presign({
      Key: 'uploads/alice/meta.png',
      Conditions: [
        ['starts-with', '$x-amz-meta-channel', ''],
        ['content-length-range', 1, 1024],
      ],
      Fields: { 'Content-Type': 'image/png', 'Cache-Control': 'max-age=60' },
    });
    const response = await upload(
      post,
      { body: 'x', name: 'meta.png' },
      { extraFields: { 'x-amz-meta-channel': 'c42' } },
    );
    expect(response.status).toBe(204);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/alice/meta.png' }));
    expect(head.Metadata).toEqual({ channel: 'c42' });
    expect(head.CacheControl).toBe('max-age=60');
  });

  it('answers success_action_status 201 with a PostResponse document', async () => {
    const post = await presign({ Fields: { 'Content-Type': 'image/png', success_action_status: '201' } });
    const response = await upload(post, { body: 'x', name: 'created.png' });
    expect(response.status).toBe(201);
    const xml = await response.text();
    expect(xml).toContain(`<Location>${s3.url}/${bucket}/uploads/alice/created.png</Location>`);
    expect(xml).toContain(`<Bucket>${bucket}</Bucket>`);
    expect(xml).toContain('<Key>uploads/alice/created.png</Key>');
    expect(xml).toMatch(/<ETag>&quot;[0-9a-f]{32}&quot;<\/ETag>/);
  });

  it('answers success_action_status 200 with an empty 200', async () => {
    const post = await presign({ Fields: { 'Content-Type': 'image/png', success_action_status: '200' } });
    const response = await upload(post, { body: 'x', name: 'ok.png' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('redirects to success_action_redirect with bucket, key and etag', async () => {
    const post = await presign({
      Fields: {
        'Content-Type': 'image/png',
        success_action_redirect: 'https://app.example/done?from=upload',
      },
    });
    const response = await upload(post, { body: 'x', name: 'redirect.png' }, { redirect: 'manual' });
    expect(response.status).toBe(303);
    const location = new URL(response.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('https://app.example/done');
    expect(location.searchParams.get('from')).toBe('upload');
    expect(location.searchParams.get('bucket')).toBe(bucket);
    expect(location.searchParams.get('key')).toBe('uploads/alice/redirect.png');
    expect(location.searchParams.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
  });

  it('refuses a file over the content-length-range with 400 EntityTooLarge and stores nothing', async () => {
    const response = await upload(await presign(), { body: new Uint8Array(1025), name: 'big.png' });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.code).toBe('EntityTooLarge');
    expect(error.message).toBe('Your proposed upload exceeds the maximum allowed size');
    expect(error.xml).toContain('<MaxSizeAllowed>1024</MaxSizeAllowed>');
    expect(await exists('uploads/alice/big.png')).toBe(false);
  });

  it('stops reading a file far over the limit and still answers EntityTooLarge', async () => {
    const response = await upload(await presign(), {
      body: new Uint8Array(8 * 1024 * 1024),
      name: 'huge.png',
    });
    expect((await errorOf(response)).code).toBe('EntityTooLarge');
    expect(await exists('uploads/alice/huge.png')).toBe(false);
  });

  it('refuses a file under the content-length-range with 400 EntityTooSmall', async () => {
    const error = await errorOf(await upload(await presign(), { body: '', name: 'empty.png' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('EntityTooSmall');
  });

  it('refuses a field that violates a condition with 403 "Invalid according to Policy"', async () => {
    const post = await presign();
    const response = await upload(
      post,
      { body: 'x', name: 'cat.png' },
      { extraFields: { key: 'uploads/bob/cat.png' } },
    );
    const error = await errorOf(response);
    expect(error.status).toBe(403);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/alice/"]',
    );
    expect(await exists('uploads/bob/cat.png')).toBe(false);
  });

  it('refuses a Content-Type other than the policy one', async () => {
    const post = await presign();
    const response = await upload(
      post,
      { body: 'x', name: 'cat.html' },
      { extraFields: { 'Content-Type': 'text/html' } },
    );
    const error = await errorOf(response);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]',
    );
  });

  it('refuses fields the policy does not mention, but not x-ignore-* fields', async () => {
    const post = await presign();
    const extra = await errorOf(
      await upload(post, { body: 'x', name: 'a.png' }, { extraFields: { 'x-amz-meta-evil': '1' } }),
    );
    expect(extra.status).toBe(403);
    expect(extra.message).toBe('Invalid according to Policy: Extra input fields: x-amz-meta-evil');
    const ignored = await upload(
      post,
      { body: 'x', name: 'b.png' },
      { extraFields: { 'x-ignore-tracking': '1' } },
    );
    expect(ignored.status).toBe(204);
  });

  it('refuses a policy used on another bucket', async () => {
    const post = await presign();
    const response = await upload(post, { body: 'x', name: 'cat.png' }, { url: `${s3.url}/other` });
    const error = await errorOf(response);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe(
      'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "media"]',
    );
  });

  it('refuses a tampered policy with 403 SignatureDoesNotMatch', async () => {
    const post = await presign();
    const policy = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString()) as {
      conditions: unknown[];
    };
    policy.conditions = policy.conditions.map((condition) =>
      Array.isArray(condition) && condition[0] === 'content-length-range'
        ? ['content-length-range', 1, 1e9]
        : condition,
    );
    const tampered = {
      ...post,
      fields: { ...post.fields, Policy: Buffer.from(JSON.stringify(policy)).toString('base64') },
    };
    const error = await errorOf(await upload(tampered, { body: 'x', name: 'cat.png' }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a policy signed with the wrong secret key with 403 SignatureDoesNotMatch', async () => {
    const wrong = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { ...credentials, secretAccessKey: 'guessed' },
    });
    const post = await createPresignedPost(wrong, { Bucket: bucket, Key: 'uploads/x.png' });
    wrong.destroy();
    expect((await errorOf(await upload(post, { body: 'x', name: 'x.png' }))).code).toBe(
      'SignatureDoesNotMatch',
    );
  });

  it('refuses an expired policy with 403 "Policy expired"', async () => {
    const post = await presign({ Expires: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const error = await errorOf(await upload(post, { body: 'x', name: 'late.png' }));
    expect(error.status).toBe(403);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe('Invalid according to Policy: Policy expired.');
  });

  it('refuses an anonymous form upload (no policy) to the private bucket with 403 AccessDenied', async () => {
    const response = await upload(
      { url: `${s3.url}/${bucket}`, fields: { key: 'anon.png' } },
      { body: 'x', name: 'a.png' },
    );
    const error = await errorOf(response);
    expect(error.status).toBe(403);
    expect(error.code).toBe('AccessDenied');
    expect(await exists('anon.png')).toBe(false);
  });

  it('refuses a form without a file with 400 InvalidArgument', async () => {
    const post = await presign();
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    const error = await errorOf(await fetch(post.url, { method: 'POST', body: form }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('InvalidArgument');
    expect(error.message).toBe('POST requires exactly one file upload per request.');
  });

  it('ignores fields after the file, as S3 does', async () => {
    const post = await presign();
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['first']), 'order.png');
    form.append('x-amz-meta-late', 'not covered by the policy, but after the file');
    const response = await fetch(post.url, { method: 'POST', body: form });
    expect(response.status).toBe(204);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'uploads/alice/order.png' }));
    expect(head.Metadata).toEqual({});
  });

  it('refuses a bucket POST that is not multipart/form-data with 412 PreconditionFailed', async () => {
    const response = await fetch(`${s3.url}/${bucket}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'key=a.png',
    });
    const error = await errorOf(response);
    expect(error.status).toBe(412);
    expect(error.code).toBe('PreconditionFailed');
    expect(error.message).toBe('Bucket POST must be of the enclosure-type multipart/form-data');
  });
});
