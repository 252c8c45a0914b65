import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FinalizeRequestMiddleware } from '@smithy/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsChunkedDecoder } from '../../../local/s3/chunked.ts';
import { S3Error } from '../../../local/s3/errors.ts';
import { type S3Emulator, startS3 } from '../../../local/s3/server.ts';
import { EMPTY_SHA256, type SignableRequest, SigV4Verifier, sha256Hex } from '../../../local/s3/sigv4.ts';
import { credentials, s3Client } from './support/s3.ts';

const region = 'us-east-1';
const bucket = 'media';

let s3: S3Emulator;
let client: S3Client;

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function rejection(promise: Promise<unknown>): Promise<S3Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof S3Error)) throw new Error(`expected an S3Error, got ${String(error)}`);
  return error;
}

function crc32Base64(data: string | Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(data));
  return out.toString('base64');
}

/** Sends a PUT whose aws-chunked body the test frames itself, signed for the emulator. */
async function chunkedPut(
  key: string,
  options: {
    mode: string;
    decodedLength: number;
    trailer?: string;
    body: (seed: string, signing: Signing) => Promise<Buffer>;
  },
): Promise<{ status: number; body: string }> {
  const url = new URL(`${s3.url}/${bucket}/${key}`);
  const signer = new SignatureV4({
    service: 's3',
    region,
    credentials,
    sha256: Sha256,
    uriEscapePath: false,
  });
  const date = new Date();
  const headers: Record<string, string> = {
    host: url.host,
    'content-encoding': 'aws-chunked',
    'x-amz-content-sha256': options.mode,
    'x-amz-decoded-content-length': String(options.decodedLength),
    ...(options.trailer ? { 'x-amz-trailer': options.trailer } : {}),
  };
  const signed = await signer.sign(
    {
      method: 'PUT',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers,
    },
    { signingDate: date },
  );
  const seed = /Signature=([0-9a-f]{64})/.exec(signed.headers.authorization ?? '')?.[1] ?? '';
  const longDate = signed.headers['x-amz-date'] ?? '';
  const body = await options.body(seed, {
    longDate,
    scope: `${longDate.slice(0, 8)}/${region}/s3/aws4_request`,
    sign: (stringToSign) => signer.sign(stringToSign, { signingDate: date }),
  });
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'PUT', headers: { ...signed.headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Signing {
  longDate: string;
  scope: string;
  sign(stringToSign: string): Promise<string>;
}

/** Frames data as signed aws-chunked: each chunk's signature chains the previous one. */
async function signedChunks(seed: string, signing: Signing, chunks: Buffer[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  let previous = seed;
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      signing.longDate,
      signing.scope,
      previous,
      EMPTY_SHA256,
      sha256Hex(chunk),
    ].join('\n');
    previous = await signing.sign(stringToSign);
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${previous}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
  }
  return Buffer.concat(parts);
}

beforeAll(async () => {
  s3 = await startS3({ buckets: [{ name: bucket }], region, credentials });
  client = s3Client(s3.url, region);
});

afterAll(async () => {
  client?.destroy();
  await s3?.stop();
});

describe('local S3 streamed uploads from the SDK', () => {
  it('decodes the SDK aws-chunked upload with a CRC32 trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)', async () => {
    const sent: Record<string, string>[] = [];
    const recorder: FinalizeRequestMiddleware<ServiceInputTypes, ServiceOutputTypes> = (next) => (args) => {
      sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
      return next(args);
    };
    const recording = s3Client(s3.url, region);
    recording.middlewareStack.addRelativeTo(recorder, {
      relation: 'after',
      toMiddleware: 'httpSigningMiddleware',
      name: 'recorder',
    });
    const pieces = Array.from({ length: 40 }, (_, i) => Buffer.alloc(25_000, i));
    const whole = Buffer.concat(pieces);

    await recording.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'streamed.bin',
        Body: Readable.from(pieces),
        ContentLength: whole.length,
      }),
    );
    recording.destroy();

    expect(sent[0]?.['x-amz-content-sha256']).toBe('STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    expect(sent[0]?.['content-encoding']).toBe('aws-chunked');
    expect(sent[0]?.['x-amz-trailer']).toBe('x-amz-checksum-crc32');
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: 'streamed.bin', ChecksumMode: 'ENABLED' }),
    );
    expect(head.ContentLength).toBe(whole.length);
    expect(head.ChecksumCRC32).toBe(crc32Base64(whole));
    expect(head.ContentEncoding).toBeUndefined();
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'streamed.bin' }));
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? new Uint8Array())).equals(whole)).toBe(
      true,
    );
  });

  it('refuses an unsigned-trailer upload whose trailing checksum is wrong with 400 BadDigest', async () => {
    const reply = await chunkedPut('bad-trailer.txt', {
      mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      decodedLength: 5,
      trailer: 'x-amz-checksum-crc32',
      body: async () =>
        Buffer.from(`5\r\nhello\r\n0\r\nx-amz-checksum-crc32:${crc32Base64('jello')}\r\n\r\n`),
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('<Code>BadDigest</Code>');
  });

  it('refuses an unsigned-trailer upload whose announced trailer never comes with MalformedTrailerError', async () => {
    const reply = await chunkedPut('no-trailer.txt', {
      mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      decodedLength: 5,
      trailer: 'x-amz-checksum-crc32',
      body: async () => Buffer.from('5\r\nhello\r\n0\r\n\r\n'),
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('<Code>MalformedTrailerError</Code>');
  });

  it('refuses a chunked body shorter than x-amz-decoded-content-length with IncompleteBody', async () => {
    const reply = await chunkedPut('short.txt', {
      mode: 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      decodedLength: 10,
      body: async () => Buffer.from('5\r\nhello\r\n0\r\n\r\n'),
    });
    expect(reply.status).toBe(400);
    expect(reply.body).toContain('<Code>IncompleteBody</Code>');
  });

  it('accepts a signed chunked upload (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) over HTTP', async () => {
    const data = [Buffer.alloc(9000, 'x'), Buffer.alloc(100, 'y')];
    const reply = await chunkedPut('signed.txt', {
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      decodedLength: 9100,
      body: (seed, signing) => signedChunks(seed, signing, data),
    });
    expect(reply.status).toBe(200);
    const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: 'signed.txt' }));
    expect(await got.Body?.transformToString()).toBe('x'.repeat(9000) + 'y'.repeat(100));
  });

  it('refuses a signed chunked upload with a chunk under 8 KiB before the last one (InvalidChunkSizeError)', async () => {
    const reply = await chunkedPut('small-chunks.txt', {
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      decodedLength: 200,
      body: (seed, signing) => signedChunks(seed, signing, [Buffer.alloc(100, 'a'), Buffer.alloc(100, 'b')]),
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('<Code>InvalidChunkSizeError</Code>');
  });

  it('refuses a signed chunked upload whose chunk was altered, and stores nothing', async () => {
    const reply = await chunkedPut('altered.txt', {
      mode: 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
      decodedLength: 5,
      body: async (seed, signing) => {
        const framed = await signedChunks(seed, signing, [Buffer.from('hello')]);
        return Buffer.from(framed.toString('latin1').replace('hello', 'jello'), 'latin1');
      },
    });
    expect(reply.status).toBe(403);
    expect(reply.body).toContain('<Code>SignatureDoesNotMatch</Code>');
    await expect(
      client.send(new HeadObjectCommand({ Bucket: bucket, Key: 'altered.txt' })),
    ).rejects.toMatchObject({
      name: 'NotFound',
    });
  });
});

/**
 * AWS's worked examples of chunked uploads ("Signature Calculations for the Authorization Header:
 * Transferring Payload in Multiple Chunks", with and without trailers): 66560 bytes of 'a' sent as
 * 64 KiB + 1 KiB + a final empty chunk, with the documented seed, chunk and trailer signatures.
 * They check the canonical request and the chunk chaining against AWS's numbers, not our own.
 */
describe('local S3 SigV4 streaming against the AWS documentation examples', () => {
  const docCredentials = {
    accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
    secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  };
  const verifier = new SigV4Verifier({
    region: 'us-east-1',
    credentials: docCredentials,
    now: () => Date.UTC(2013, 4, 24),
  });

  function docRequest(options: { trailer: boolean; seed: string; signedHeaders: string }): SignableRequest {
    return {
      method: 'PUT',
      path: '/examplebucket/chunkObject.txt',
      query: [],
      headers: {
        host: 's3.amazonaws.com',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': options.trailer
          ? 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER'
          : 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
        'content-encoding': 'aws-chunked',
        'x-amz-decoded-content-length': '66560',
        ...(options.trailer ? { 'x-amz-trailer': 'x-amz-checksum-crc32c' } : { 'content-length': '66824' }),
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,' +
          `SignedHeaders=${options.signedHeaders},Signature=${options.seed}`,
      },
    };
  }

  function docBody(signatures: string[], trailer: string): Buffer {
    return Buffer.concat([
      Buffer.from(`10000;chunk-signature=${signatures[0]}\r\n`),
      Buffer.alloc(65_536, 'a'),
      Buffer.from(`\r\n400;chunk-signature=${signatures[1]}\r\n`),
      Buffer.alloc(1024, 'a'),
      Buffer.from(`\r\n0;chunk-signature=${signatures[2]}\r\n${trailer}\r\n`),
    ]);
  }

  /** Splits a body into uneven pieces, as a socket would deliver it. */
  async function* pieces(body: Buffer): AsyncGenerator<Buffer> {
    for (let offset = 0, size = 1; offset < body.length; offset += size, size = (size * 7) % 9001 || 1) {
      yield body.subarray(offset, offset + size);
    }
  }

  const plain = {
    seed: '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9',
    signedHeaders:
      'content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class',
    chunks: [
      'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
      '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
      'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
    ],
  };
  const withTrailer = {
    seed: '106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e',
    signedHeaders:
      'content-encoding;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class;x-amz-trailer',
    chunks: [
      'b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2',
      '1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7',
      '2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992',
    ],
    trailerText:
      'x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435\r\n',
  };

  /** Authenticates the documented request, and a decoder for its body checking the example's signatures. */
  async function documented(example: typeof plain, trailer: boolean) {
    const auth = await verifier.authenticate(docRequest({ trailer, ...example }));
    const decoder = new AwsChunkedDecoder({
      decodedLength: 66_560,
      signing: {
        context: auth?.signing ?? expect.fail('not authenticated'),
        seedSignature: example.seed,
        signedTrailer: trailer,
      },
    });
    return { auth, decoder };
  }

  it('verifies the documented seed signature and chunk signatures', async () => {
    const { auth, decoder } = await documented(plain, false);
    expect(auth?.signature).toBe(plain.seed);
    const body = await collect(decoder.decode(pieces(docBody(plain.chunks, ''))));
    expect(body.equals(Buffer.alloc(66_560, 'a'))).toBe(true);
  });

  it.each([0, 1, 2])('refuses the documented body with chunk signature %i altered', async (index) => {
    const { decoder } = await documented(plain, false);
    const signatures = plain.chunks.map((signature, i) =>
      i === index ? signature.replace(/^./, 'f') : signature,
    );
    const error = await rejection(collect(decoder.decode(pieces(docBody(signatures, '')))));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('verifies the documented signed trailer and collects its CRC32C', async () => {
    const { auth, decoder } = await documented(withTrailer, true);
    expect(auth?.signature).toBe(withTrailer.seed);
    const body = await collect(decoder.decode(pieces(docBody(withTrailer.chunks, withTrailer.trailerText))));
    expect(body.length).toBe(66_560);
    expect(decoder.trailers.get('x-amz-checksum-crc32c')).toBe('sOO8/Q==');
  });

  it('refuses the documented trailer with its checksum altered', async () => {
    const { decoder } = await documented(withTrailer, true);
    const forged = withTrailer.trailerText.replace('sOO8/Q==', 'AAAAAA==');
    const error = await rejection(collect(decoder.decode(pieces(docBody(withTrailer.chunks, forged)))));
    expect(error.code).toBe('SignatureDoesNotMatch');
  });

  it('refuses the documented request when a signed header differs', async () => {
    const request = docRequest({ trailer: false, ...plain });
    request.headers['x-amz-storage-class'] = 'STANDARD';
    const error = await rejection(verifier.authenticate(request));
    expect(error.code).toBe('SignatureDoesNotMatch');
    expect(error.details.CanonicalRequest).toContain('x-amz-storage-class:STANDARD');
  });
});
