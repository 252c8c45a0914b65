import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
  S3ServiceException,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { credentials, s3Client } from './support/s3.ts';

const region = 'eu-west-1';
const bucket = 'media';

let s3: S3Emulator;
let client: S3Client;

function clientWith(overrides: Partial<ConstructorParameters<typeof S3Client>[0]> = {}): S3Client {
  return s3Client(s3.url, region, overrides);
}

/** The SDK error a promise rejects with. */
async function s3Error(promise: Promise<unknown>): Promise<S3ServiceException> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3ServiceException)) throw new Error(`expected an S3 error, got ${String(error)}`);
  return error;
}

/** Changes a request after the SDK signed it, as a proxy or an attacker could. */
function tamperAfterSigning(
  target: S3Client,
  mutate: (request: { headers: Record<string, string>; body?: unknown }) => void,
) {
  const middleware: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
    mutate(args.request as { headers: Record<string, string>; body?: unknown });
    return next(args);
  };
  target.middlewareStack.addRelativeTo(middleware, {
    relation: 'after',
    toMiddleware: 'httpSigningMiddleware',
    name: 'tamperAfterSigning',
  });
}

async function put(key: string, body: string | Buffer = 'x', extra: Partial<PutObjectCommand['input']> = {}) {
  return client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...extra }));
}

beforeAll(async () => {
  s3 = await startS3({ buckets: [{ name: bucket }, { name: 'listing' }], region, credentials });
  client = clientWith();
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 objects', () => {
  it('stores an object and returns its body, type, length, MD5 ETag, Last-Modified, metadata and caching headers', async () => {
    const body = 'hello, hiroba';
    const before = Date.now() - 1000;
    const putResult = await put('notes/hello.txt', body, {
      ContentType: 'text/plain; charset=utf-8',
      CacheControl: 'public, max-age=31536000, immutable',
      ContentDisposition: 'inline; filename="hello.txt"',
      Metadata: { uploader: 'alice', 'channel-id': 'c1' },
    });
    const md5 = createHash('md5').update(body).digest('hex');
    expect(putResult.ETag).toBe(`"${md5}"`);

    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'notes/hello.txt' }));
    expect(await got.Body?.transformToString()).toBe(body);
    expect(got.ContentType).toBe('text/plain; charset=utf-8');
    expect(got.ContentLength).toBe(Buffer.byteLength(body));
    expect(got.ETag).toBe(`"${md5}"`);
    expect(got.CacheControl).toBe('public, max-age=31536000, immutable');
    expect(got.ContentDisposition).toBe('inline; filename="hello.txt"');
    expect(got.Metadata).toEqual({ uploader: 'alice', 'channel-id': 'c1' });
    expect(got.LastModified?.getTime()).toBeGreaterThanOrEqual(before);
    expect(got.LastModified?.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('answers HeadObject with the same headers and no body', async () => {
    await put('head/me.bin', Buffer.alloc(1234, 7), {
      ContentType: 'application/octet-stream',
      Metadata: { a: 'b' },
    });
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'head/me.bin' }));
    expect(head.ContentLength).toBe(1234);
    expect(head.ContentType).toBe('application/octet-stream');
    expect(head.Metadata).toEqual({ a: 'b' });
    expect(head.ETag).toBe(`"${createHash('md5').update(Buffer.alloc(1234, 7)).digest('hex')}"`);
  });

  it('gives an object uploaded without a Content-Type S3 default binary/octet-stream', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'untyped' }));
    const response = await fetch(url, { method: 'PUT', body: new Uint8Array([1, 2, 3]) });
    expect(response.status).toBe(200);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'untyped' }));
    expect(head.ContentType).toBe('binary/octet-stream');
  });

  it('serves byte ranges with 206 and Content-Range', async () => {
    await put('range.txt', '0123456789');
    const cases: Array<[string, string, string]> = [
      ['bytes=2-5', '2345', 'bytes 2-5/10'],
      ['bytes=7-', '789', 'bytes 7-9/10'],
      ['bytes=-3', '789', 'bytes 7-9/10'],
      ['bytes=8-100', '89', 'bytes 8-9/10'],
    ];
    for (const [range, body, contentRange] of cases) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'range.txt', Range: range }));
      expect(got.$metadata.httpStatusCode).toBe(206);
      expect(await got.Body?.transformToString()).toBe(body);
      expect(got.ContentRange).toBe(contentRange);
      expect(got.ContentLength).toBe(body.length);
    }
  });

  it('refuses a range that starts past the end with 416 InvalidRange', async () => {
    await put('short.txt', 'abc');
    const error = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'short.txt', Range: 'bytes=3-' })),
    );
    expect(error.name).toBe('InvalidRange');
    expect(error.$metadata.httpStatusCode).toBe(416);
  });

  it('keeps keys with slashes, spaces, unicode, dots and reserved characters apart', async () => {
    const keys = [
      'a/b c/ü 日本/#?&=+%.txt',
      '../../escape',
      'dir/',
      "it's (a) [key]!*~",
      `long/${'k'.repeat(1000)}`,
    ];
    for (const [index, key] of keys.entries()) await put(key, `body ${index}`);
    for (const [index, key] of keys.entries()) {
      const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      expect(await got.Body?.transformToString()).toBe(`body ${index}`);
    }
  });

  it('refuses a key longer than 1024 bytes with KeyTooLongError', async () => {
    const error = await s3Error(put('é'.repeat(513)));
    expect(error.name).toBe('KeyTooLongError');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers a missing key with 404 NoSuchKey in S3 XML error format', async () => {
    const error = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'missing/key.png' })),
    );
    expect(error.name).toBe('NoSuchKey');
    expect(error.$metadata.httpStatusCode).toBe(404);
    expect(error.message).toBe('The specified key does not exist.');

    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'missing/key.png' }));
    const response = await fetch(url);
    const xml = await response.text();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/xml');
    expect(response.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(xml).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist\.<\/Message><Key>missing\/key\.png<\/Key><RequestId>[0-9A-F]{16}<\/RequestId><HostId>[^<]+<\/HostId><\/Error>$/,
    );
  });

  it('answers HeadObject on a missing key with a bare 404', async () => {
    const error = await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'missing' })));
    expect(error.name).toBe('NotFound');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('answers a missing bucket with 404 NoSuchBucket', async () => {
    const error = await s3Error(client.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'k' })));
    expect(error.name).toBe('NoSuchBucket');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('deletes objects, and deleting a missing key still succeeds with 204', async () => {
    await put('to-delete');
    const deleted = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'to-delete' }));
    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(
      (await s3Error(client.send(new GetObjectCommand({ Bucket: bucket, Key: 'to-delete' })))).name,
    ).toBe('NoSuchKey');
    const again = await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'to-delete' }));
    expect(again.$metadata.httpStatusCode).toBe(204);
  });

  it('replaces an object on a second PUT', async () => {
    await put('replace.txt', 'first');
    await put('replace.txt', 'second, longer');
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'replace.txt' }));
    expect(await got.Body?.transformToString()).toBe('second, longer');
  });

  it('answers conditional GETs with 304 Not Modified and 412 PreconditionFailed', async () => {
    const { ETag } = await put('conditional.txt', 'v1');
    const notModified = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'conditional.txt', IfNoneMatch: ETag })),
    );
    expect(notModified.$metadata.httpStatusCode).toBe(304);
    const failed = await s3Error(
      client.send(new GetObjectCommand({ Bucket: bucket, Key: 'conditional.txt', IfMatch: '"0000"' })),
    );
    expect(failed.name).toBe('PreconditionFailed');
    expect(failed.$metadata.httpStatusCode).toBe(412);
    const matched = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'conditional.txt', IfMatch: ETag }),
    );
    expect(await matched.Body?.transformToString()).toBe('v1');
  });

  it('refuses to overwrite with If-None-Match: * (conditional create)', async () => {
    await put('create-once.txt', 'original');
    const error = await s3Error(put('create-once.txt', 'overwrite', { IfNoneMatch: '*' }));
    expect(error.name).toBe('PreconditionFailed');
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'create-once.txt' }));
    expect(await got.Body?.transformToString()).toBe('original');
  });
});

describe('local S3 checksums', () => {
  it('verifies the CRC32 the SDK sends by default and returns it when checksum mode is enabled', async () => {
    const put = await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'crc/default', Body: 'hello' }),
    );
    expect(put.ChecksumCRC32).toBe('NhCmhg==');
    const got = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: 'crc/default', ChecksumMode: 'ENABLED' }),
    );
    expect(got.ChecksumCRC32).toBe('NhCmhg==');
    expect(got.ChecksumType).toBe('FULL_OBJECT');
    // The SDK validates the body against that checksum while reading.
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it.each(['CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const)(
    'accepts and returns a %s checksum computed by the SDK',
    async (algorithm) => {
      const key = `crc/${algorithm}`;
      const body = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ChecksumAlgorithm: algorithm }),
      );
      const got = await client.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }),
      );
      expect(got[`Checksum${algorithm}`]).toBeDefined();
      expect(Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array()))).toEqual(body);
    },
  );

  it('refuses a body whose CRC32 does not match the header with 400 BadDigest and stores nothing', async () => {
    const error = await s3Error(
      client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'crc/bad', Body: 'hello', ChecksumCRC32: 'AAAAAA==' }),
      ),
    );
    expect(error.name).toBe('BadDigest');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('The CRC32 you specified did not match the calculated checksum.');
    expect((await s3Error(client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'crc/bad' })))).name).toBe(
      'NotFound',
    );
  });

  it('refuses a body whose Content-MD5 does not match with 400 BadDigest', async () => {
    const wrongMd5 = createHash('md5').update('something else').digest('base64');
    const error = await s3Error(put('md5/bad', 'hello', { ContentMD5: wrongMd5 }));
    expect(error.name).toBe('BadDigest');
    expect(error.message).toBe('The Content-MD5 you specified did not match what we received.');
  });

  it('refuses a body that does not match the signed x-amz-content-sha256 with XAmzContentSHA256Mismatch', async () => {
    const tampering = clientWith();
    tamperAfterSigning(tampering, (request) => {
      request.body = 'HELLO'; // same length, so only the hash can tell
    });
    const error = await s3Error(
      tampering.send(new PutObjectCommand({ Bucket: bucket, Key: 'sha/bad', Body: 'hello' })),
    );
    tampering.destroy();
    expect(error.name).toBe('XAmzContentSHA256Mismatch');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('local S3 ListObjectsV2', () => {
  const keys = [
    'a.txt',
    'photos/2024/1.jpg',
    'photos/2024/2.jpg',
    'photos/2025/1.jpg',
    'photos/cover.jpg',
    'z.txt',
  ];

  beforeAll(async () => {
    for (const key of keys) {
      await client.send(new PutObjectCommand({ Bucket: 'listing', Key: key, Body: key }));
    }
  });

  it('lists every key in order with size, ETag and Last-Modified', async () => {
    const page = await client.send(new ListObjectsV2Command({ Bucket: 'listing' }));
    expect(page.Contents?.map((object) => object.Key)).toEqual(keys);
    expect(page.KeyCount).toBe(keys.length);
    expect(page.IsTruncated).toBe(false);
    const first = page.Contents?.[0];
    expect(first?.Size).toBe('a.txt'.length);
    expect(first?.ETag).toBe(`"${createHash('md5').update('a.txt').digest('hex')}"`);
    expect(first?.LastModified).toBeInstanceOf(Date);
    expect(first?.StorageClass).toBe('STANDARD');
  });

  it('filters by prefix and groups by delimiter into common prefixes', async () => {
    const root = await client.send(new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/' }));
    expect(root.Contents?.map((object) => object.Key)).toEqual(['a.txt', 'z.txt']);
    expect(root.CommonPrefixes).toEqual([{ Prefix: 'photos/' }]);

    const photos = await client.send(
      new ListObjectsV2Command({ Bucket: 'listing', Prefix: 'photos/', Delimiter: '/' }),
    );
    expect(photos.Contents?.map((object) => object.Key)).toEqual(['photos/cover.jpg']);
    expect(photos.CommonPrefixes).toEqual([{ Prefix: 'photos/2024/' }, { Prefix: 'photos/2025/' }]);
    expect(photos.KeyCount).toBe(3);
  });

  it('pages with max-keys and continuation tokens, counting common prefixes against max-keys', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: 'listing', Delimiter: '/', MaxKeys: 1, ContinuationToken: token }),
      );
      pages++;
      expect(page.KeyCount).toBe(1);
      seen.push(
        ...(page.Contents ?? []).map((o) => o.Key ?? ''),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
      );
      token = page.NextContinuationToken;
      expect(page.IsTruncated).toBe(token !== undefined);
    } while (token);
    expect(pages).toBe(3);
    expect(seen).toEqual(['a.txt', 'photos/', 'z.txt']);
  });

  it('starts after a given key', async () => {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: 'listing', StartAfter: 'photos/2025/1.jpg' }),
    );
    expect(page.Contents?.map((object) => object.Key)).toEqual(['photos/cover.jpg', 'z.txt']);
  });

  it('refuses a continuation token it did not issue with InvalidArgument', async () => {
    const error = await s3Error(
      client.send(new ListObjectsV2Command({ Bucket: 'listing', ContinuationToken: 'not-a-token' })),
    );
    expect(error.name).toBe('InvalidArgument');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('local S3 authentication', () => {
  it('denies anonymous requests with 403 AccessDenied: the buckets are private', async () => {
    await put('private.txt', 'secret');
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const response = await fetch(`${s3.url}/${bucket}/private.txt`, {
        method,
        body: method === 'PUT' ? 'overwrite' : undefined,
      });
      expect(response.status).toBe(403);
      if (method !== 'HEAD') expect(await response.text()).toContain('<Code>AccessDenied</Code>');
    }
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' }));
    expect(await got.Body?.transformToString()).toBe('secret');
  });

  it('refuses a request signed with the wrong secret key with 403 SignatureDoesNotMatch', async () => {
    const wrong = clientWith({ credentials: { ...credentials, secretAccessKey: 'not-the-secret' } });
    const error = await s3Error(wrong.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' })));
    wrong.destroy();
    expect(error.name).toBe('SignatureDoesNotMatch');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses an unknown access key with 403 InvalidAccessKeyId', async () => {
    const stranger = clientWith({ credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'x' } });
    const error = await s3Error(stranger.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' })));
    stranger.destroy();
    expect(error.name).toBe('InvalidAccessKeyId');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('refuses a request signed for another region with AuthorizationHeaderMalformed', async () => {
    const elsewhere = clientWith({ region: 'us-west-2' });
    const error = await s3Error(elsewhere.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' })));
    elsewhere.destroy();
    expect(error.name).toBe('AuthorizationHeaderMalformed');
    expect(error.message).toBe(
      "The authorization header is malformed; the region 'us-west-2' is wrong; expecting 'eu-west-1'",
    );
  });

  it('refuses x-amz-* headers added after signing with AccessDenied naming them', async () => {
    const tampering = clientWith();
    tamperAfterSigning(tampering, (request) => {
      request.headers['x-amz-meta-injected'] = 'yes';
    });
    const error = await s3Error(
      tampering.send(new PutObjectCommand({ Bucket: bucket, Key: 'injected', Body: 'x' })),
    );
    tampering.destroy();
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe('There were headers present in the request which were not signed');
    expect((error as S3ServiceException & { HeadersNotSigned?: string }).HeadersNotSigned).toBe(
      'x-amz-meta-injected',
    );
  });

  it('refuses a request whose signed header was changed with SignatureDoesNotMatch', async () => {
    const tampering = clientWith();
    tamperAfterSigning(tampering, (request) => {
      request.headers.range = 'bytes=0-0';
    });
    const error = await s3Error(
      tampering.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt', Range: 'bytes=0-3' })),
    );
    tampering.destroy();
    expect(error.name).toBe('SignatureDoesNotMatch');
  });

  it('refuses a request signed more than 15 minutes off with RequestTimeTooSkewed, and the SDK learns the server time from it', async () => {
    const skewed = clientWith({ systemClockOffset: -20 * 60 * 1000, maxAttempts: 1 });
    const error = await s3Error(skewed.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' })));
    expect(error.name).toBe('RequestTimeTooSkewed');
    expect(error.$metadata.httpStatusCode).toBe(403);
    // The SDK resets its clock offset from the error's ServerTime, as it does against S3.
    const got = await skewed.send(new GetObjectCommand({ Bucket: bucket, Key: 'private.txt' }));
    expect(await got.Body?.transformToString()).toBe('secret');
    skewed.destroy();
  });
});

describe('local S3 persistence', () => {
  it('keeps objects and their metadata under dataDir across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 's3-persist-'));
    try {
      const first = await startS3({ buckets: [{ name: 'keep' }], dataDir, region, credentials });
      const firstClient = s3Client(first.url, region);
      await firstClient.send(
        new PutObjectCommand({
          Bucket: 'keep',
          Key: 'a/b/../c d.png',
          Body: 'persisted',
          ContentType: 'image/png',
          Metadata: { owner: 'bob' },
        }),
      );
      await firstClient.send(new PutObjectCommand({ Bucket: 'keep', Key: 'gone', Body: 'x' }));
      await firstClient.send(new DeleteObjectCommand({ Bucket: 'keep', Key: 'gone' }));
      firstClient.destroy();
      await first.stop();

      const second = await startS3({ buckets: [{ name: 'keep' }], dataDir, region, credentials });
      const secondClient = s3Client(second.url, region);
      const got = await secondClient.send(new GetObjectCommand({ Bucket: 'keep', Key: 'a/b/../c d.png' }));
      expect(await got.Body?.transformToString()).toBe('persisted');
      expect(got.ContentType).toBe('image/png');
      expect(got.Metadata).toEqual({ owner: 'bob' });
      const listed = await secondClient.send(new ListObjectsV2Command({ Bucket: 'keep' }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(['a/b/../c d.png']);
      secondClient.destroy();
      await second.stop();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

describe('local S3 request log', () => {
  async function requestsLogged(debug: string | undefined): Promise<string[]> {
    const previous = process.env.HIROBA_DEBUG;
    if (debug === undefined) delete process.env.HIROBA_DEBUG;
    else process.env.HIROBA_DEBUG = debug;
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
    const emulator = await startS3({ buckets: [{ name: 'logged' }], region, credentials });
    const logged = s3Client(emulator.url, region);
    try {
      await logged.send(new PutObjectCommand({ Bucket: 'logged', Key: 'a b.txt', Body: 'x' }));
      const url = await getSignedUrl(logged, new GetObjectCommand({ Bucket: 'logged', Key: 'missing' }));
      await (await fetch(url)).text();
      // The line is written when the response closes, just after the client has it.
      await new Promise((resolve) => setTimeout(resolve, 50));
      return spy.mock.calls.map((call) => call.map(String).join(' '));
    } finally {
      logged.destroy();
      await emulator.stop();
      spy.mockRestore();
      if (previous === undefined) delete process.env.HIROBA_DEBUG;
      else process.env.HIROBA_DEBUG = previous;
    }
  }

  it('logs one line per request, without the query string, when HIROBA_DEBUG is set', async () => {
    const lines = await requestsLogged('1');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[s3\] PUT \/logged\/a%20b\.txt 200 \d+\.\dms$/);
    expect(lines[1]).toMatch(/^\[s3\] GET \/logged\/missing 404 NoSuchKey \d+\.\dms$/);
  });

  it('logs nothing when HIROBA_DEBUG is not set', async () => {
    expect(await requestsLogged(undefined)).toEqual([]);
  });
});
