import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { readBody } from '../http-body.ts';
import {
  CHECKSUM_ALGORITHMS,
  type ChecksumAlgorithm,
  checksumHeader,
  createChecksum,
  type Digest,
  isWellFormedChecksum,
  parseChecksumAlgorithm,
} from './checksums.ts';
import { AwsChunkedDecoder } from './chunked.ts';
import { checkReadPreconditions, checkWritePreconditions, parseRange } from './conditions.ts';
import {
  accessDenied,
  badDigest,
  entityTooLarge,
  incompleteBody,
  invalidArgument,
  invalidRequest,
  noSuchKey,
  notImplemented,
  S3Error,
} from './errors.ts';
import { listObjectsV2, MAX_KEYS } from './list-objects.ts';
import { type FormHead, MultipartFormReader } from './multipart.ts';
import { checkContentLength, checkPolicy, parsePolicy } from './post-policy.ts';
import type { Authentication, SigV4Verifier } from './sigv4.ts';
import type { ObjectProperties, ObjectStore, StoredObject, WrittenBody } from './store.ts';
import { malformedXml, parseTaggingHeader, parseTaggingXml, renderTagging } from './tagging.ts';
import { element, XML_DECLARATION } from './xml.ts';

/** One request being answered, with what routing learnt about it. */
export interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  bucket: string;
  key: string;
  /** Decoded query parameters, first value of each. */
  params: ReadonlyMap<string, string>;
  /**
   * Request headers by lower-case name. For a presigned URL this includes the x-amz-* query
   * parameters, which S3 treats as the headers they stand for.
   */
  headers: Readonly<Record<string, string>>;
  auth: Authentication;
}

/** What the operations share: the store, the verifier for POST policies, and the emulator's identity. */
export interface OperationContext {
  store: ObjectStore;
  verifier: SigV4Verifier;
  region: string;
  ownerId: string;
}

/** S3's limit on a single PUT (larger objects need multipart upload). */
const MAX_PUT_BYTES = 5 * 1024 ** 3;
const MAX_KEY_BYTES = 1024;
const MAX_METADATA_BYTES = 2048;
/** S3's default content type for objects uploaded without one. */
const DEFAULT_CONTENT_TYPE = 'binary/octet-stream';
/** Without a checksum from the client, S3 computes a CRC64NVME for every new object. */
const DEFAULT_CHECKSUM: ChecksumAlgorithm = 'CRC64NVME';
/** Object headers a GET or HEAD can override through `response-*` query parameters. */
const RESPONSE_OVERRIDES = [
  'content-type',
  'content-language',
  'expires',
  'cache-control',
  'content-disposition',
  'content-encoding',
];

/** PutObject, with every payload form the SDK sends: plain, UNSIGNED-PAYLOAD and aws-chunked. */
export async function putObject(call: Call, context: OperationContext): Promise<void> {
  const { headers, auth } = call;
  if (headers['x-amz-copy-source'] !== undefined) throw notImplemented('CopyObject');
  checkKey(call.key);
  const payload = auth.payloadHash;
  if (payload.startsWith('STREAMING-AWS4-ECDSA')) throw notImplemented('SigV4a (ECDSA) signed payloads');
  const chunked = payload.startsWith('STREAMING-');
  const declared = chunked ? headers['x-amz-decoded-content-length'] : headers['content-length'];
  if (declared === undefined) {
    throw new S3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
  }
  if (!/^\d+$/.test(declared)) {
    throw invalidArgument(
      'Invalid content length',
      chunked ? 'x-amz-decoded-content-length' : 'Content-Length',
      declared,
    );
  }
  const size = Number(declared);
  if (size > MAX_PUT_BYTES) throw entityTooLarge(size, MAX_PUT_BYTES);
  const checksum = expectedChecksum(headers, { trailer: chunked });
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined && Buffer.from(contentMd5, 'base64').length !== 16) {
    throw new S3Error(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.', {
      'Content-MD5': contentMd5,
    });
  }
  const tagging = headers['x-amz-tagging'];
  const properties = {
    ...objectProperties(headers),
    ...(tagging !== undefined && { tags: parseTaggingHeader(tagging) }),
  };
  checkWritePreconditions(context.store.get(call.bucket, call.key), headers, call.key);

  const source = requestBody(call.req);
  const decoder = chunked
    ? new AwsChunkedDecoder({
        decodedLength: size,
        signing: payload.startsWith('STREAMING-AWS4-HMAC-SHA256')
          ? {
              context: auth.signing,
              seedSignature: auth.signature,
              signedTrailer: payload.endsWith('-TRAILER'),
            }
          : undefined,
      })
    : undefined;
  const digest = createChecksum(checksum.algorithm);
  const payloadSha = /^[0-9a-f]{64}$/.test(payload) ? createChecksum('SHA256') : undefined;
  const body = observe(decoder ? decoder.decode(source) : source, (chunk) => {
    digest.update(chunk);
    payloadSha?.update(chunk);
  });

  const stored = await context.store.put(call.bucket, call.key, body, (written) => {
    if (written.size !== size) throw incompleteBody();
    const computedSha = payloadSha?.digest().toString('hex');
    if (computedSha !== undefined && computedSha !== payload) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: payload, S3ComputedContentSHA256: computedSha },
      );
    }
    checkContentMd5(contentMd5, written);
    return { ...properties, checksum: verifyChecksum(checksum, digest, decoder?.trailers) };
  });
  call.res.writeHead(200, { ...writeResponseHeaders(stored), 'content-length': '0' });
  call.res.end();
}

/** GetObject, with Range, conditional requests, response overrides and checksum mode. */
export async function getObject(call: Call, context: OperationContext): Promise<void> {
  const range = call.headers.range;
  const read = await context.store.read(call.bucket, call.key, (object) =>
    range === undefined ? undefined : parseRange(range, object.size),
  );
  if (!read) throw noSuchKey(call.key);
  try {
    checkReadPreconditions(read.object, call.headers);
  } catch (error) {
    read.body.destroy();
    throw error;
  }
  call.res.writeHead(read.range ? 206 : 200, readResponseHeaders(call, read.object, read.range));
  await pipeline(read.body, call.res);
}

/** HeadObject: GetObject's headers without the body. */
export async function headObject(call: Call, context: OperationContext): Promise<void> {
  const object = context.store.get(call.bucket, call.key);
  if (!object) throw noSuchKey(call.key);
  checkReadPreconditions(object, call.headers);
  const range = call.headers.range;
  const byteRange = range === undefined ? undefined : parseRange(range, object.size);
  call.res.writeHead(byteRange ? 206 : 200, readResponseHeaders(call, object, byteRange));
  call.res.end();
}

/** DeleteObject: 204 whether or not the key existed, as S3 answers. */
export async function deleteObject(call: Call, context: OperationContext): Promise<void> {
  await context.store.delete(call.bucket, call.key);
  call.res.writeHead(204);
  call.res.end();
}

/** The most a PutObjectTagging body may hold: ten tags of the longest keys and values, with room to spare. */
const MAX_TAGGING_BODY_BYTES = 64 * 1024;

/** GetObjectTagging (`GET /bucket/key?tagging`). */
export async function getObjectTagging(call: Call, context: OperationContext): Promise<void> {
  const object = context.store.get(call.bucket, call.key);
  if (!object) throw noSuchKey(call.key);
  sendXml(call.res, 200, renderTagging(object.tags ?? []));
}

/**
 * PutObjectTagging (`PUT /bucket/key?tagging`): replaces the whole tag set. The body's integrity is
 * checked as S3 checks it: the signed payload hash, and Content-MD5 or an x-amz-checksum-* header.
 */
export async function putObjectTagging(call: Call, context: OperationContext): Promise<void> {
  if (!context.store.get(call.bucket, call.key)) throw noSuchKey(call.key);
  const body = await readBody(call.req, MAX_TAGGING_BODY_BYTES);
  if (body === undefined) throw malformedXml();
  const payload = call.auth.payloadHash;
  if (/^[0-9a-f]{64}$/.test(payload)) {
    const computed = createHash('sha256').update(body).digest('hex');
    if (computed !== payload) {
      throw new S3Error(
        400,
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        { ClientComputedContentSHA256: payload, S3ComputedContentSHA256: computed },
      );
    }
  }
  const contentMd5 = call.headers['content-md5'];
  const checksum = expectedChecksum(call.headers, { trailer: false });
  if (contentMd5 === undefined && checksum.value === undefined) {
    throw invalidRequest('Missing required header for this request: Content-MD5');
  }
  checkContentMd5(contentMd5, { size: body.length, md5: createHash('md5').update(body).digest() });
  const digest = createChecksum(checksum.algorithm);
  digest.update(body);
  verifyChecksum(checksum, digest, undefined);
  const tags = parseTaggingXml(body.toString('utf8'));
  if (!(await context.store.setTags(call.bucket, call.key, tags))) throw noSuchKey(call.key);
  call.res.writeHead(200, { 'content-length': '0' });
  call.res.end();
}

/** DeleteObjectTagging (`DELETE /bucket/key?tagging`): 204, the object kept without tags. */
export async function deleteObjectTagging(call: Call, context: OperationContext): Promise<void> {
  if (!(await context.store.setTags(call.bucket, call.key, []))) throw noSuchKey(call.key);
  call.res.writeHead(204);
  call.res.end();
}

/** HeadBucket. */
export async function headBucket(call: Call, context: OperationContext): Promise<void> {
  call.res.writeHead(200, { 'x-amz-bucket-region': context.region, 'x-amz-access-point-alias': 'false' });
  call.res.end();
}

/** ListObjectsV2 (`GET /bucket?list-type=2`). */
export async function listObjects(call: Call, context: OperationContext): Promise<void> {
  const { params } = call;
  const maxKeysParam = params.get('max-keys');
  let maxKeys = MAX_KEYS;
  if (maxKeysParam !== undefined) {
    if (!/^\d+$/.test(maxKeysParam) || Number(maxKeysParam) > 2_147_483_647) {
      throw invalidArgument(
        'Provided max-keys not an integer or within integer range',
        'max-keys',
        maxKeysParam,
      );
    }
    maxKeys = Math.min(Number(maxKeysParam), MAX_KEYS);
  }
  const encodingType = params.get('encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encodingType);
  }
  const xml = listObjectsV2(context.store.list(call.bucket), {
    bucket: call.bucket,
    prefix: params.get('prefix') ?? '',
    delimiter: params.get('delimiter') || undefined,
    maxKeys,
    continuationToken: params.get('continuation-token'),
    startAfter: params.get('start-after'),
    encodingType,
    fetchOwner: params.get('fetch-owner') === 'true',
    ownerId: context.ownerId,
  });
  sendXml(call.res, 200, xml);
}

/**
 * PostObject: a browser upload as `multipart/form-data`, authorised by a signed POST policy. Fields
 * before the file are checked against the policy, the file is streamed (and cut off as soon as it
 * exceeds the policy's content-length-range), and the answer follows success_action_redirect or
 * success_action_status.
 */
export async function postObject(
  request: { req: IncomingMessage; res: ServerResponse; bucket: string; boundary: string },
  context: OperationContext,
): Promise<void> {
  const reader = new MultipartFormReader(requestBody(request.req), request.boundary);
  const head = await reader.readHead();
  const fields = formFields(head);
  const key = fields.get('key');
  if (key === undefined) {
    throw invalidArgument(
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      'key',
      '',
    );
  }
  if (!head.file) throw invalidArgument('POST requires exactly one file upload per request.', 'file', '0');
  const policyText = fields.get('policy');
  if (fields.has('awsaccesskeyid') || fields.has('signature')) {
    throw invalidRequest(
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
  }
  if (policyText === undefined) throw accessDenied(); // an anonymous upload to a private bucket
  for (const name of ['X-Amz-Signature', 'X-Amz-Credential', 'X-Amz-Date']) {
    if (!fields.has(name.toLowerCase())) {
      throw invalidArgument(
        `Bucket POST must contain a field named '${name}'.  If it is specified, please check the order of the fields.`,
        name,
        '',
      );
    }
  }
  if (fields.has('x-amz-security-token')) {
    throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.');
  }
  await context.verifier.verifyPolicy({
    algorithm: fields.get('x-amz-algorithm'),
    credential: fields.get('x-amz-credential') ?? '',
    date: fields.get('x-amz-date') ?? '',
    signature: fields.get('x-amz-signature') ?? '',
    policy: policyText,
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: S3's literal placeholder, not a template.
  const expandedKey = key.replaceAll('${filename}', head.file.filename ?? '');
  fields.set('key', expandedKey);
  const lengthRange = checkPolicy(parsePolicy(policyText), {
    bucket: request.bucket,
    fields,
    now: Date.now(),
  });
  checkKey(expandedKey);

  const headers = Object.fromEntries(fields);
  const tagging = fields.get('tagging');
  const properties = {
    ...objectProperties(headers),
    ...(tagging !== undefined && { tags: parseTaggingXml(tagging) }),
  };
  const checksum = expectedChecksum(headers, { trailer: false });
  const digest = createChecksum(checksum.algorithm);
  let received = 0;
  const body = observe(reader.readFile(), (chunk) => {
    received += chunk.length;
    // Stop reading as soon as the file is too large rather than storing it first.
    if (lengthRange && received > lengthRange.max) throw entityTooLarge(received, lengthRange.max);
    digest.update(chunk);
  });
  const stored = await context.store.put(request.bucket, expandedKey, body, (written) => {
    checkContentLength(lengthRange, written.size);
    return { ...properties, checksum: verifyChecksum(checksum, digest, undefined) };
  });
  request.req.resume(); // S3 ignores whatever follows the file

  const location = `http://${request.req.headers.host ?? 'localhost'}/${request.bucket}/${encodeKey(stored.key)}`;
  const responseHeaders = { ...writeResponseHeaders(stored), location };
  const redirect = fields.get('success_action_redirect') ?? fields.get('redirect');
  if (redirect && URL.canParse(redirect)) {
    const target = new URL(redirect);
    target.searchParams.set('bucket', request.bucket);
    target.searchParams.set('key', stored.key);
    target.searchParams.set('etag', stored.etag);
    request.res.writeHead(303, { ...responseHeaders, location: target.href, 'content-length': '0' });
    request.res.end();
    return;
  }
  const status = fields.get('success_action_status');
  if (status === '201') {
    const xml =
      `${XML_DECLARATION}<PostResponse>${element('Location', location)}${element('Bucket', request.bucket)}` +
      `${element('Key', stored.key)}${element('ETag', stored.etag)}</PostResponse>`;
    sendXml(request.res, 201, xml, responseHeaders);
    return;
  }
  // Anything but 200 or 201 (absent or invalid) means 204, as in S3.
  request.res.writeHead(status === '200' ? 200 : 204, { ...responseHeaders, 'content-length': '0' });
  request.res.end();
}

/** Sends an XML document. */
function sendXml(
  res: ServerResponse,
  status: number,
  xml: string,
  headers: Record<string, string> = {},
): void {
  const body = Buffer.from(xml);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/xml',
    'content-length': String(body.length),
  });
  res.end(body);
}

/**
 * The request body as an async iterable that does not destroy the request when iteration stops
 * early: the socket is still needed to send the error that stopped it.
 */
function requestBody(req: IncomingMessage): AsyncIterable<Uint8Array> {
  return { [Symbol.asyncIterator]: () => req.iterator({ destroyOnReturn: false }) };
}

async function* observe(
  source: AsyncIterable<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    onChunk(chunk);
    yield chunk;
  }
}

function checkKey(key: string): void {
  const size = Buffer.byteLength(key);
  if (size === 0) throw invalidArgument('User key must have a length greater than 0.', 'key', key);
  if (size > MAX_KEY_BYTES) {
    throw new S3Error(400, 'KeyTooLongError', 'Your key is too long', {
      MaxSizeAllowed: MAX_KEY_BYTES,
      Size: size,
    });
  }
}

/** Lower-cased form fields (first value wins) preceding the file. */
function formFields(head: FormHead): Map<string, string> {
  const fields = new Map<string, string>();
  for (const [name, value] of head.fields) {
    const lower = name.toLowerCase();
    if (!fields.has(lower)) fields.set(lower, value);
  }
  return fields;
}

/** The stored properties an upload's headers (or POST fields) set. */
function objectProperties(headers: Readonly<Record<string, string>>): Omit<ObjectProperties, 'checksum'> {
  const metadata: Record<string, string> = {};
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('x-amz-meta-')) continue;
    const metaName = name.slice('x-amz-meta-'.length);
    metadata[metaName] = value;
    metadataBytes += Buffer.byteLength(metaName) + Buffer.byteLength(value);
  }
  if (metadataBytes > MAX_METADATA_BYTES) {
    throw new S3Error(
      400,
      'MetadataTooLarge',
      'Your metadata headers exceed the maximum allowed metadata size.',
      {
        Size: metadataBytes,
        MaxSizeAllowed: MAX_METADATA_BYTES,
      },
    );
  }
  return {
    contentType: headers['content-type'] || DEFAULT_CONTENT_TYPE,
    cacheControl: headers['cache-control'],
    contentDisposition: headers['content-disposition'],
    contentEncoding:
      headers['content-encoding']
        ?.split(',')
        .map((coding) => coding.trim())
        // aws-chunked is the transfer framing of this request, not an encoding of the object.
        .filter((coding) => coding !== 'aws-chunked')
        .join(', ') || undefined,
    contentLanguage: headers['content-language'],
    expires: headers.expires,
    metadata,
  };
}

interface ExpectedChecksum {
  algorithm: ChecksumAlgorithm;
  /** From an x-amz-checksum-* header; undefined when it comes in a trailer or not at all. */
  value: string | undefined;
  /** The trailer that will carry the value (x-amz-trailer). */
  trailer: string | undefined;
}

/**
 * The checksum an upload announces: an x-amz-checksum-* header, or a trailer named by x-amz-trailer
 * (only in aws-chunked bodies); x-amz-sdk-checksum-algorithm must agree. Without one, S3's default.
 */
function expectedChecksum(
  headers: Readonly<Record<string, string>>,
  options: { trailer: boolean },
): ExpectedChecksum {
  const present = CHECKSUM_ALGORITHMS.filter((algorithm) => headers[checksumHeader(algorithm)] !== undefined);
  const trailerName = options.trailer ? headers['x-amz-trailer']?.trim().toLowerCase() : undefined;
  const trailerAlgorithm = trailerName?.startsWith('x-amz-checksum-')
    ? parseChecksumAlgorithm(trailerName.slice('x-amz-checksum-'.length))
    : undefined;
  if (trailerName !== undefined && trailerAlgorithm === undefined) {
    throw invalidRequest('The value specified in the x-amz-trailer header is not supported');
  }
  if (present.length + (trailerAlgorithm ? 1 : 0) > 1) {
    throw invalidRequest(
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const [headerAlgorithm] = present;
  const value = headerAlgorithm ? headers[checksumHeader(headerAlgorithm)] : undefined;
  if (headerAlgorithm && (value === undefined || !isWellFormedChecksum(headerAlgorithm, value))) {
    throw invalidRequest(`Value for ${checksumHeader(headerAlgorithm)} header is invalid.`);
  }
  const announced = headerAlgorithm ?? trailerAlgorithm;
  const sdkAlgorithm = headers['x-amz-sdk-checksum-algorithm'];
  if (sdkAlgorithm !== undefined) {
    if (!announced) {
      throw invalidRequest(
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
      );
    }
    if (parseChecksumAlgorithm(sdkAlgorithm) !== announced) {
      throw invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    }
  }
  return {
    algorithm: announced ?? DEFAULT_CHECKSUM,
    value,
    trailer: trailerAlgorithm ? trailerName : undefined,
  };
}

function verifyChecksum(
  expected: ExpectedChecksum,
  digest: Digest,
  trailers: ReadonlyMap<string, string> | undefined,
): { algorithm: ChecksumAlgorithm; value: string } {
  const computed = digest.digest().toString('base64');
  let claimed = expected.value;
  if (expected.trailer !== undefined) {
    claimed = trailers?.get(expected.trailer);
    if (claimed === undefined || !isWellFormedChecksum(expected.algorithm, claimed)) {
      throw new S3Error(
        400,
        'MalformedTrailerError',
        'The request contained trailing data that was not well-formed or did not conform to our published schema.',
      );
    }
  }
  if (claimed !== undefined && claimed !== computed) throw badDigest(expected.algorithm);
  return { algorithm: expected.algorithm, value: computed };
}

function checkContentMd5(contentMd5: string | undefined, written: WrittenBody): void {
  if (contentMd5 === undefined) return;
  const calculated = written.md5.toString('base64');
  if (calculated !== contentMd5) {
    throw new S3Error(400, 'BadDigest', 'The Content-MD5 you specified did not match what we received.', {
      ExpectedDigest: contentMd5,
      CalculatedDigest: calculated,
    });
  }
}

function checksumResponseHeaders(object: StoredObject): Record<string, string> {
  if (!object.checksum) return {};
  return {
    [checksumHeader(object.checksum.algorithm)]: object.checksum.value,
    'x-amz-checksum-type': 'FULL_OBJECT',
  };
}

function writeResponseHeaders(object: StoredObject): Record<string, string> {
  return { etag: object.etag, 'x-amz-server-side-encryption': 'AES256', ...checksumResponseHeaders(object) };
}

function readResponseHeaders(
  call: Call,
  object: StoredObject,
  range: { start: number; end: number } | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {
    'accept-ranges': 'bytes',
    'content-type': object.contentType,
    'content-length': String(range ? range.end - range.start + 1 : object.size),
    etag: object.etag,
    'last-modified': new Date(object.lastModified).toUTCString(),
    'x-amz-server-side-encryption': 'AES256',
  };
  const optional: Array<[string, string | undefined]> = [
    ['cache-control', object.cacheControl],
    ['content-disposition', object.contentDisposition],
    ['content-encoding', object.contentEncoding],
    ['content-language', object.contentLanguage],
    ['expires', object.expires],
  ];
  for (const [name, value] of optional) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
  if (object.tags?.length) headers['x-amz-tagging-count'] = String(object.tags.length);
  for (const name of RESPONSE_OVERRIDES) {
    const override = call.params.get(`response-${name}`);
    if (override !== undefined) headers[name] = override;
  }
  if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${object.size}`;
  // A full-object checksum cannot describe part of the object, so S3 sends none with a range.
  if (!range && call.headers['x-amz-checksum-mode'] === 'ENABLED')
    Object.assign(headers, checksumResponseHeaders(object));
  return headers;
}

function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}
