import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { credentials, errorOf, s3Client } from './support/s3.ts';

const region = 'us-east-1';
const bucket = 'uploads';

let s3: S3Emulator;
let client: S3Client;

function withParam(url: string, name: string, value: string): string {
  const changed = new URL(url);
  changed.searchParams.set(name, value);
  return changed.href;
}

beforeAll(async () => {
  s3 = await startS3({ buckets: [{ name: bucket }], region, credentials });
  client = s3Client(s3.url, region);
  await client.send(
    new PutObjectCommand({ Bucket: bucket, Key: 'photos/cat.png', Body: 'PNG!', ContentType: 'image/png' }),
  );
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 presigned GET URLs', () => {
  it('serves the object to a plain HTTP client', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }), {
      expiresIn: 300,
    });
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('PNG!');
    expect(response.headers.get('content-type')).toBe('image/png');
  });

  it('applies response-* overrides signed into the URL', async () => {
    const url = await getSignedUrl(
      client,
      new GetObjectCommand({
        Bucket: bucket,
        Key: 'photos/cat.png',
        ResponseContentDisposition: 'attachment; filename="cat.png"',
        ResponseCacheControl: 'no-store',
      }),
    );
    const response = await fetch(url);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="cat.png"');
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a URL whose key was changed with 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }));
    const error = await errorOf(await fetch(url.replace('/photos/cat.png', '/photos/dog.png')));
    expect(error.status).toBe(403);
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.message).toBe(
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
    expect(error.xml).toContain('<CanonicalRequest>GET\n/uploads/photos/dog.png\n');
  });

  it('refuses a URL whose expiry was extended with 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }), {
      expiresIn: 60,
    });
    const error = await errorOf(await fetch(withParam(url, 'X-Amz-Expires', '3600')));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a URL with a forged signature with 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }));
    const error = await errorOf(await fetch(withParam(url, 'X-Amz-Signature', '0'.repeat(64))));
    expect(error.status).toBe(403);
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a URL signed with the wrong secret key with 403 SignatureDoesNotMatch', async () => {
    const wrong = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { ...credentials, secretAccessKey: 'guessed' },
    });
    const url = await getSignedUrl(wrong, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }));
    wrong.destroy();
    const error = await errorOf(await fetch(url));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses a URL signed with an unknown access key with 403 InvalidAccessKeyId', async () => {
    const stranger = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDSTRANGER', secretAccessKey: 'local-secret' },
    });
    const url = await getSignedUrl(stranger, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }));
    stranger.destroy();
    const error = await errorOf(await fetch(url));
    expect(error.status).toBe(403);
    expect(error.code).toBe('InvalidAccessKeyId');
  });

  it('refuses an expired URL with 403 AccessDenied "Request has expired"', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 61_000),
    });
    const error = await errorOf(await fetch(url));
    expect(error.status).toBe(403);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe('Request has expired');
    expect(error.xml).toContain('<X-Amz-Expires>60</X-Amz-Expires>');
  });

  it('accepts a URL up to its last second', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }), {
      expiresIn: 60,
      signingDate: new Date(Date.now() - 50_000),
    });
    expect((await fetch(url)).status).toBe(200);
  });

  it('refuses X-Amz-Expires over a week with AuthorizationQueryParametersError', async () => {
    const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' }));
    const error = await errorOf(await fetch(withParam(url, 'X-Amz-Expires', '604801')));
    expect(error.status).toBe(400);
    expect(error.code).toBe('AuthorizationQueryParametersError');
    expect(error.message).toBe('X-Amz-Expires must be less than a week (in seconds) that is 604800');
  });

  it('refuses a URL missing one of the SigV4 parameters with AuthorizationQueryParametersError', async () => {
    const url = new URL(
      await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: 'photos/cat.png' })),
    );
    url.searchParams.delete('X-Amz-Date');
    const error = await errorOf(await fetch(url));
    expect(error.status).toBe(400);
    expect(error.code).toBe('AuthorizationQueryParametersError');
  });
});

describe('local S3 presigned PUT URLs', () => {
  it('accepts an upload from a plain HTTP client and keeps the metadata signed into the URL', async () => {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'up/avatar.png',
        ContentType: 'image/png',
        Metadata: { owner: 'alice' },
      }),
      { expiresIn: 300, signableHeaders: new Set(['content-type']) },
    );
    const response = await fetch(url, {
      method: 'PUT',
      body: 'avatar-bytes',
      headers: { 'content-type': 'image/png' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('etag')).toMatch(/^"[0-9a-f]{32}"$/);
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'up/avatar.png' }));
    expect(head.ContentType).toBe('image/png');
    expect(head.Metadata).toEqual({ owner: 'alice' });
  });

  it('refuses an upload with a different Content-Type than the signed one', async () => {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'up/typed.png', ContentType: 'image/png' }),
      { signableHeaders: new Set(['content-type']) },
    );
    const response = await fetch(url, {
      method: 'PUT',
      body: '<html>',
      headers: { 'content-type': 'text/html' },
    });
    expect((await errorOf(response)).code).toBe('SignatureDoesNotMatch');
  });

  it('refuses an upload to an expired URL and stores nothing', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'up/late.png' }), {
      expiresIn: 1,
      signingDate: new Date(Date.now() - 5_000),
    });
    const error = await errorOf(await fetch(url, { method: 'PUT', body: 'late' }));
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe('Request has expired');
    await expect(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'up/late.png' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});

/**
 * Since @aws-sdk/client-s3 3.729.0, `requestChecksumCalculation` defaults to WHEN_SUPPORTED, and
 * getSignedUrl for PutObject hoists a checksum into the query string: the CRC32 of the *empty*
 * body it had at signing time (`x-amz-checksum-crc32=AAAAAA==`), plus
 * `x-amz-sdk-checksum-algorithm=CRC32` (aws/aws-sdk-js-v3#6810, #6994). Stricter S3 clones then
 * reject every real upload (seaweedfs#10216, Garage, R2). Real S3 signs those query parameters
 * (changing them breaks the signature) but ignores them for integrity: the upload is accepted and
 * the object gets S3's default CRC64NVME, not the URL's CRC32 (localstack#12164, validated against
 * AWS; aws-sdk-go-v2#2610 shows AWS accepting a body that contradicts a query-string checksum). A
 * checksum S3 does verify must travel as a header, and a header must be signed: sent unsigned it is
 * refused (aws-sdk-js-v3#3906).
 */
describe('local S3 presigned PUT checksum quirks', () => {
  it('shows the SDK signing the CRC32 of an empty body into presigned PUT URLs', async () => {
    const url = new URL(
      await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'quirk/a.png' })),
    );
    expect(url.searchParams.get('x-amz-checksum-crc32')).toBe('AAAAAA==');
    expect(url.searchParams.get('x-amz-sdk-checksum-algorithm')).toBe('CRC32');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
  });

  it('accepts a non-empty body despite the empty-body CRC32 in the URL, and does not record that checksum', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'quirk/b.png' }));
    const response = await fetch(url, { method: 'PUT', body: 'not empty at all' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-checksum-crc32')).toBeNull();
    expect(response.headers.get('x-amz-checksum-crc64nvme')).not.toBeNull();

    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'quirk/b.png', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentLength).toBe('not empty at all'.length);
    expect(head.ChecksumCRC32).toBeUndefined();
    expect(head.ChecksumCRC64NVME).toBeDefined();
  });

  it('still covers the query-string checksum by the signature', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'quirk/c.png' }));
    const error = await errorOf(
      await fetch(withParam(url, 'x-amz-checksum-crc32', 'NhCmhg=='), { method: 'PUT', body: 'hello' }),
    );
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('verifies a checksum signed as a header: a matching body is stored with it', async () => {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'quirk/d.png', ChecksumCRC32: 'NhCmhg==' }), // CRC32 of "hello"
      { unhoistableHeaders: new Set(['x-amz-checksum-crc32']) },
    );
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')).toBe('host;x-amz-checksum-crc32');
    const response = await fetch(url, {
      method: 'PUT',
      body: 'hello',
      headers: { 'x-amz-checksum-crc32': 'NhCmhg==' },
    });
    expect(response.status).toBe(200);
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'quirk/d.png', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ChecksumCRC32).toBe('NhCmhg==');
  });

  it('verifies a checksum signed as a header: another body is refused with 400 BadDigest', async () => {
    const url = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: bucket, Key: 'quirk/e.png', ChecksumCRC32: 'NhCmhg==' }),
      { unhoistableHeaders: new Set(['x-amz-checksum-crc32']) },
    );
    const response = await fetch(url, {
      method: 'PUT',
      body: 'jello',
      headers: { 'x-amz-checksum-crc32': 'NhCmhg==' },
    });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.code).toBe('BadDigest');
    expect(error.message).toBe('The CRC32 you specified did not match the calculated checksum.');
  });

  it('refuses a checksum header the URL did not sign with 403 AccessDenied (HeadersNotSigned)', async () => {
    const url = await getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: 'quirk/f.png' }));
    const response = await fetch(url, {
      method: 'PUT',
      body: 'hello',
      headers: { 'x-amz-checksum-crc32': 'NhCmhg==' },
    });
    const error = await errorOf(response);
    expect(error.status).toBe(403);
    expect(error.code).toBe('AccessDenied');
    expect(error.message).toBe('There were headers present in the request which were not signed');
    expect(error.xml).toContain('<HeadersNotSigned>x-amz-checksum-crc32</HeadersNotSigned>');
  });

  it('produces URLs without checksum parameters when the client only calculates required checksums', async () => {
    const whenRequired = new S3Client({
      region,
      endpoint: s3.url,
      forcePathStyle: true,
      credentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    const url = await getSignedUrl(
      whenRequired,
      new PutObjectCommand({ Bucket: bucket, Key: 'quirk/g.png' }),
    );
    whenRequired.destroy();
    expect(
      [...new URL(url).searchParams.keys()].filter((name) => name.toLowerCase().includes('checksum')),
    ).toEqual([]);
    expect((await fetch(url, { method: 'PUT', body: 'fine' })).status).toBe(200);
  });
});
