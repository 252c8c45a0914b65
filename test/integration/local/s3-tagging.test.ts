import { createHash } from 'node:crypto';
import {
  DeleteObjectTaggingCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  type S3Client,
  S3ServiceException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { credentials, errorOf, s3Client } from './support/s3.ts';

const region = 'us-east-1';
const bucket = 'media';

let s3: S3Emulator;
let client: S3Client;

async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return error;
}

const tagSet = (tags: Record<string, string>) => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

async function tagsOf(key: string) {
  return (await client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet;
}

async function put(key: string, extra: Partial<PutObjectCommand['input']> = {}) {
  return client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'x', ...extra }));
}

beforeAll(async () => {
  s3 = await startS3({ buckets: [{ name: bucket }], region, credentials });
  client = s3Client(s3.url, region);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 object tagging', () => {
  it('stores the tags of a PutObject x-amz-tagging header and returns them with GetObjectTagging', async () => {
    await put('tagged/put', { Tagging: 'upload=pending&team=a%20b' });
    expect(await tagsOf('tagged/put')).toEqual(tagSet({ upload: 'pending', team: 'a b' }));
  });

  it('counts the tags in GetObject (x-amz-tagging-count) and sends none for an untagged object', async () => {
    await put('tagged/count', { Tagging: 'a=1&b=2' });
    await put('tagged/none');
    const tagged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'tagged/count' }));
    const untagged = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'tagged/none' }));
    await tagged.Body?.transformToString();
    await untagged.Body?.transformToString();
    expect(tagged.TagCount).toBe(2);
    expect(untagged.TagCount).toBeUndefined();
    expect(await tagsOf('tagged/none')).toEqual([]);
  });

  it('replaces the whole tag set with PutObjectTagging, keeping the body and ETag', async () => {
    const { ETag } = await put('tagged/replace', { Tagging: 'upload=pending&other=1' });
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: 'tagged/replace',
        Tagging: { TagSet: tagSet({ upload: 'attached' }) },
      }),
    );
    expect(await tagsOf('tagged/replace')).toEqual(tagSet({ upload: 'attached' }));
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'tagged/replace' }));
    expect(await got.Body?.transformToString()).toBe('x');
    expect(got.ETag).toBe(ETag);
  });

  it('removes every tag with DeleteObjectTagging and keeps the object', async () => {
    await put('tagged/delete', { Tagging: 'a=1' });
    const answer = await client.send(
      new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/delete' }),
    );
    expect(answer.$metadata.httpStatusCode).toBe(204);
    expect(await tagsOf('tagged/delete')).toEqual([]);
  });

  it('drops the tags when an object is overwritten without any', async () => {
    await put('tagged/overwrite', { Tagging: 'a=1' });
    await put('tagged/overwrite');
    expect(await tagsOf('tagged/overwrite')).toEqual([]);
  });

  it('answers NoSuchKey for the tagging of a missing object', async () => {
    for (const command of [
      new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/missing' }),
      new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/missing', Tagging: { TagSet: [] } }),
      new DeleteObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/missing' }),
    ]) {
      const error = await s3Error(client.send(command as GetObjectTaggingCommand));
      expect(error.name).toBe('NoSuchKey');
      expect(error.$metadata.httpStatusCode).toBe(404);
    }
  });

  it('refuses more than 10 tags with BadRequest', async () => {
    await put('tagged/limits');
    const eleven = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']));
    const error = await s3Error(
      client.send(
        new PutObjectTaggingCommand({
          Bucket: bucket,
          Key: 'tagged/limits',
          Tagging: { TagSet: tagSet(eleven) },
        }),
      ),
    );
    expect(error.name).toBe('BadRequest');
    expect(error.message).toBe('Object tags cannot be greater than 10');
    const header = await s3Error(put('tagged/eleven', { Tagging: new URLSearchParams(eleven).toString() }));
    expect(header.name).toBe('BadRequest');
  });

  it('refuses duplicate keys, keys over 128 and values over 256 characters, and aws: keys with InvalidTag', async () => {
    await put('tagged/invalid');
    const cases: Array<[Array<{ Key: string; Value: string }>, string]> = [
      [
        [
          { Key: 'a', Value: '1' },
          { Key: 'a', Value: '2' },
        ],
        'Cannot provide multiple Tags with the same key',
      ],
      [[{ Key: 'k'.repeat(129), Value: '1' }], 'The TagKey you have provided is too long, max 128'],
      [[{ Key: 'k', Value: 'v'.repeat(257) }], 'The TagValue you have provided is too long, max 256'],
      [[{ Key: 'aws:owner', Value: 'me' }], 'Your TagKey cannot be prefixed with aws:'],
      [[{ Key: 'k', Value: 'semi;colon' }], 'The TagValue you have provided is invalid'],
    ];
    for (const [TagSet, message] of cases) {
      const error = await s3Error(
        client.send(
          new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/invalid', Tagging: { TagSet } }),
        ),
      );
      expect(error.name).toBe('InvalidTag');
      expect(error.message).toBe(message);
    }
    expect(await tagsOf('tagged/invalid')).toEqual([]);
  });

  it('accepts a key of 128 and a value of 256 characters', async () => {
    await put('tagged/longest');
    const TagSet = [{ Key: 'k'.repeat(128), Value: 'v'.repeat(256) }];
    await client.send(
      new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/longest', Tagging: { TagSet } }),
    );
    expect(await tagsOf('tagged/longest')).toEqual(TagSet);
  });

  it('refuses an x-amz-tagging header with a duplicate key with InvalidArgument, storing nothing', async () => {
    const error = await s3Error(put('tagged/dup-header', { Tagging: 'a=1&a=2' }));
    expect(error.name).toBe('InvalidArgument');
    const missing = await s3Error(
      client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/dup-header' })),
    );
    expect(missing.name).toBe('NoSuchKey');
  });

  it('refuses a PutObjectTagging body that is not a Tagging document with MalformedXML', async () => {
    await put('tagged/malformed');
    const signed = s3Client(s3.url, region);
    const body = '<Tagging><TagSet><Tag><Key>a</Key></TagSet></Tagging>';
    // Swapped in before signing, with its own Content-MD5, so only the document is wrong.
    const swapBody: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      for (const name of Object.keys(request.headers)) {
        if (name.startsWith('x-amz-checksum-') || name === 'x-amz-sdk-checksum-algorithm') {
          delete request.headers[name];
        }
      }
      request.body = body;
      request.headers['content-length'] = String(Buffer.byteLength(body));
      request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
      return next(args);
    };
    signed.middlewareStack.addRelativeTo(swapBody, {
      relation: 'before',
      toMiddleware: 'httpSigningMiddleware',
      name: 'swapBody',
    });
    const error = await s3Error(
      signed.send(
        new PutObjectTaggingCommand({ Bucket: bucket, Key: 'tagged/malformed', Tagging: { TagSet: [] } }),
      ),
    );
    signed.destroy();
    expect(error.name).toBe('MalformedXML');
  });
});

describe('local S3 POST uploads with a tagging field', () => {
  const taggingXml = (tags: Record<string, string>) =>
    `<Tagging><TagSet>${Object.entries(tags)
      .map(([key, value]) => `<Tag><Key>${key}</Key><Value>${value}</Value></Tag>`)
      .join('')}</TagSet></Tagging>`;

  /** A form upload whose policy covers `fields` (createPresignedPost adds a condition per field), plus `extra`. */
  async function upload(key: string, fields: Record<string, string>, extra: Record<string, string> = {}) {
    const post = await createPresignedPost(client, { Bucket: bucket, Key: key, Fields: fields, Expires: 60 });
    const form = new FormData();
    for (const [name, value] of Object.entries({ ...post.fields, ...extra })) form.append(name, value);
    form.append('file', new Blob(['x']), 'file.bin');
    return fetch(post.url, { method: 'POST', body: form });
  }

  it('tags the object with the Tagging document of the tagging field', async () => {
    const response = await upload('posted/tagged', { tagging: taggingXml({ upload: 'pending' }) });
    expect(response.status).toBe(204);
    expect(await tagsOf('posted/tagged')).toEqual(tagSet({ upload: 'pending' }));
  });

  it('refuses a tagging field the policy does not cover', async () => {
    const response = await upload('posted/uncovered', {}, { tagging: taggingXml({ upload: 'attached' }) });
    const error = await errorOf(response);
    expect(error.status).toBe(403);
    expect(error.message).toBe('Invalid according to Policy: Extra input fields: tagging');
  });

  it('refuses a tagging field that is not a Tagging document with MalformedXML', async () => {
    const error = await errorOf(await upload('posted/malformed', { tagging: 'upload=pending' }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('MalformedXML');
    const missing = await s3Error(
      client.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: 'posted/malformed' })),
    );
    expect(missing.name).toBe('NoSuchKey');
  });
});
