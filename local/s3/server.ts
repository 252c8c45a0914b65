import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, listenLocal } from '../listen.ts';
import { type CorsRule, corsHeaders, preflight } from './cors.ts';
import { accessDenied, noSuchBucket, notImplemented, renderError, S3Error } from './errors.ts';
import { formDataBoundary } from './multipart.ts';
import {
  type Call,
  deleteObject,
  deleteObjectTagging,
  getObject,
  getObjectTagging,
  headBucket,
  headObject,
  listObjects,
  type OperationContext,
  postObject,
  putObject,
  putObjectTagging,
} from './operations.ts';
import { type Credentials, type SignableRequest, SigV4Verifier } from './sigv4.ts';
import { ObjectStore } from './store.ts';

export type { CorsRule } from './cors.ts';

/** A running local S3. */
export interface S3Emulator {
  /** Base URL for path-style requests: `${url}/${bucket}/${key}`. */
  url: string;
  /** Replaces a bucket's CORS rules, as PutBucketCors does. */
  setCors(bucket: string, rules: CorsRule[]): void;
  stop(): Promise<void>;
}

/** A bucket to serve, with its CORS rules (S3's CORSRule shape). */
export interface S3BucketConfig {
  name: string;
  cors?: CorsRule[];
}

/** Options of {@link startS3}. */
export interface S3Options {
  buckets: S3BucketConfig[];
  /** Where objects persist between runs; absent: a temporary directory removed on stop. */
  dataDir?: string;
  region: string;
  /** The only key pair whose signatures are accepted. */
  credentials: Credentials;
}

/** Sub-resources that make a request a different S3 operation than the plain object or bucket one. */
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'partNumber',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** Query parameters of SigV4 itself, never mistaken for hoisted headers. */
const AUTH_PARAMS = new Set([
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-signedheaders',
  'x-amz-signature',
  'x-amz-security-token',
  'x-amz-content-sha256',
]);

/**
 * A checksum in a presigned URL's query string is signed (changing it breaks the signature) but
 * otherwise ignored by S3: the JavaScript SDK puts the CRC32 of an empty body there, and real S3
 * still accepts any upload. Only a checksum sent as a (signed) header is verified.
 */
const IGNORED_PRESIGNED_PARAMS =
  /^x-amz-(checksum-(crc32|crc32c|crc64nvme|sha1|sha256)|sdk-checksum-algorithm)$/;

/**
 * Starts a local S3 speaking the REST protocol path-style (`http://127.0.0.1:port/bucket/key`):
 * SigV4 header and presigned-URL authentication, POST policy uploads, and the object operations
 * hiroba uses, with S3's XML errors. Anonymous requests are denied: the buckets are private.
 */
export async function startS3(options: S3Options): Promise<S3Emulator> {
  for (const bucket of options.buckets) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket.name))
      throw new Error(`Invalid bucket name: ${bucket.name}`);
  }
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'hiroba-s3-')));
  const store = await ObjectStore.open(
    dataDir,
    options.buckets.map((bucket) => bucket.name),
  );
  const context: OperationContext = {
    store,
    verifier: new SigV4Verifier({ region: options.region, credentials: options.credentials }),
    region: options.region,
    ownerId: createHash('sha256').update(options.credentials.accessKeyId).digest('hex'),
  };
  const cors = new Map(options.buckets.map((bucket) => [bucket.name, bucket.cors]));
  const debug = Boolean(process.env.HIROBA_DEBUG);

  const server = createServer((req, res) => {
    void handle(req, res, context, cors, debug);
  });
  let url: string;
  try {
    url = await listenLocal(server);
  } catch (error) {
    if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    setCors: (bucket, rules) => void cors.set(bucket, rules),
    stop: async () => {
      // A second stop finds the server closed already, and goes on.
      await closeServer(server).catch(() => {});
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  context: OperationContext,
  cors: ReadonlyMap<string, CorsRule[] | undefined>,
  debug: boolean,
): Promise<void> {
  const requestId = randomBytes(8).toString('hex').toUpperCase();
  const hostId = randomBytes(32).toString('base64');
  res.setHeader('x-amz-request-id', requestId);
  res.setHeader('x-amz-id-2', hostId);
  res.setHeader('server', 'AmazonS3');
  const method = req.method ?? 'GET';
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split(/\?(.*)/s);
  let errorCode: string | undefined;
  if (debug) {
    const started = performance.now();
    // The query string is left out: presigned URLs carry credentials in it.
    res.once('close', () => {
      const ms = (performance.now() - started).toFixed(1);
      console.error(`[s3] ${method} ${rawPath} ${res.statusCode}${errorCode ? ` ${errorCode}` : ''} ${ms}ms`);
    });
  }
  try {
    const { bucket, key } = parsePath(rawPath);
    const origin = req.headers.origin;
    if (method === 'OPTIONS') {
      const headers = preflight(cors.get(bucket), context.store.hasBucket(bucket), {
        origin,
        method: req.headers['access-control-request-method'],
        requestHeaders: req.headers['access-control-request-headers'],
      });
      res.writeHead(200, { ...headers, 'content-length': '0' });
      res.end();
      return;
    }
    if (origin !== undefined && bucket) {
      const headers = corsHeaders(cors.get(bucket), { origin, method, requestHeaders: undefined });
      for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    }
    await route(req, res, { method, rawPath, rawQuery, bucket, key }, context);
  } catch (error) {
    errorCode = error instanceof S3Error ? error.code : 'InternalError';
    sendError(req, res, error, requestId, hostId);
  }
}

async function route(
  req: IncomingMessage,
  res: ServerResponse,
  target: { method: string; rawPath: string; rawQuery: string; bucket: string; key: string },
  context: OperationContext,
): Promise<void> {
  const { method, bucket, key } = target;
  const { store, verifier } = context;

  const query = parseQuery(target.rawQuery);
  const params = new Map<string, string>();
  for (const [name, value] of query) if (!params.has(name)) params.set(name, value);
  const subresource = [...params.keys()].find((name) => SUBRESOURCES.has(name));

  // Browser form uploads carry their authorisation in the form, not in the request line.
  if (method === 'POST' && bucket && !key && !subresource) {
    if (!store.hasBucket(bucket)) throw noSuchBucket(bucket);
    const boundary = formDataBoundary(req.headers['content-type']);
    if (!boundary) {
      const message = 'Bucket POST must be of the enclosure-type multipart/form-data';
      throw new S3Error(412, 'PreconditionFailed', message, { Condition: message });
    }
    await postObject({ req, res, bucket, boundary }, context);
    return;
  }

  const headers = requestHeaders(req);
  const signable: SignableRequest = { method, path: target.rawPath, query, headers };
  const auth = await verifier.authenticate(signable);
  if (bucket && !store.hasBucket(bucket)) throw noSuchBucket(bucket);
  if (!auth) throw accessDenied();
  if (!bucket) throw notImplemented('ListBuckets');

  const effectiveHeaders = auth.mode === 'query' ? withHoistedHeaders(headers, query) : headers;
  const call: Call = { req, res, bucket, key, params, headers: effectiveHeaders, auth };

  if (subresource === 'tagging' && key) {
    if (method === 'GET') return getObjectTagging(call, context);
    if (method === 'PUT') return putObjectTagging(call, context);
    if (method === 'DELETE') return deleteObjectTagging(call, context);
    throw methodNotAllowed(method, 'OBJECT');
  }
  if (subresource) throw notImplemented(`the ?${subresource} sub-resource`);

  if (!key) {
    if (method === 'HEAD') return headBucket(call, context);
    if (method === 'GET' && params.get('list-type') === '2') return listObjects(call, context);
    if (method === 'GET') throw notImplemented('ListObjects (version 1); use ListObjectsV2');
    if (method === 'PUT' || method === 'DELETE') throw notImplemented(`${method} on a bucket`);
    throw methodNotAllowed(method, 'BUCKET');
  }
  switch (method) {
    case 'PUT':
      return putObject(call, context);
    case 'GET':
      return getObject(call, context);
    case 'HEAD':
      return headObject(call, context);
    case 'DELETE':
      return deleteObject(call, context);
    case 'POST':
      throw notImplemented('POST on an object');
    default:
      throw methodNotAllowed(method, 'OBJECT');
  }
}

function methodNotAllowed(method: string, resourceType: string): S3Error {
  return new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.', {
    Method: method,
    ResourceType: resourceType,
  });
}

/**
 * A presigned URL's x-amz-* query parameters stand for the headers the signer hoisted into the URL
 * (x-amz-meta-*, x-amz-acl, ...): S3 applies them as those headers. Real headers win.
 */
function withHoistedHeaders(
  headers: Record<string, string>,
  query: Array<[string, string]>,
): Record<string, string> {
  const effective = { ...headers };
  for (const [name, value] of query) {
    const lower = name.toLowerCase();
    if (lower.startsWith('x-amz-') && !AUTH_PARAMS.has(lower) && !IGNORED_PRESIGNED_PARAMS.test(lower)) {
      effective[lower] ??= value;
    }
  }
  return effective;
}

/** Splits a path-style path into bucket and key, percent-decoded. */
function parsePath(rawPath: string): { bucket: string; key: string } {
  const slash = rawPath.indexOf('/', 1);
  const rawBucket = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash);
  const rawKey = slash < 0 ? '' : rawPath.slice(slash + 1);
  try {
    return { bucket: decodeURIComponent(rawBucket), key: decodeURIComponent(rawKey) };
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.", { URI: rawPath });
  }
}

function parseQuery(rawQuery: string): Array<[string, string]> {
  const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
  try {
    return rawQuery
      .split('&')
      .filter(Boolean)
      .map((part) => {
        const separator = part.indexOf('=');
        return separator < 0
          ? [decode(part), '']
          : [decode(part.slice(0, separator)), decode(part.slice(separator + 1))];
      });
  } catch {
    throw new S3Error(400, 'InvalidURI', "Couldn't parse the specified URI.", { URI: rawQuery });
  }
}

/** Headers by lower-case name, repeated ones joined with commas as SigV4 canonicalises them. */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values) headers[name] = values.join(',');
  }
  return headers;
}

function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  requestId: string,
  hostId: string,
): void {
  // Whatever of the body was not read is discarded so the connection can carry the answer.
  req.resume();
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : undefined);
    return;
  }
  let s3Error: S3Error;
  if (error instanceof S3Error) {
    s3Error = error;
  } else {
    console.error('[s3] internal error', error);
    s3Error = new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
  }
  if (s3Error.status === 304) {
    res.writeHead(304, { etag: String(s3Error.details.ETag ?? '') });
    res.end();
    return;
  }
  const body = Buffer.from(renderError(s3Error, requestId, hostId));
  // HEAD answers carry no body, so SDKs see only the status (HeadObject's 404 is `NotFound`).
  const withBody = req.method !== 'HEAD';
  res.writeHead(s3Error.status, {
    'content-type': 'application/xml',
    ...(withBody ? { 'content-length': String(body.length) } : {}),
  });
  res.end(withBody ? body : undefined);
}
