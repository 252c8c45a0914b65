import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { getCanonicalHeaders, getCanonicalQuery, SignatureV4 } from '@smithy/signature-v4';
import { parseHttpDate } from './conditions.ts';
import { accessDenied, invalidArgument, S3Error } from './errors.ts';

/** The one key pair the emulator accepts. */
export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The parts of an HTTP request that SigV4 covers. */
export interface SignableRequest {
  method: string;
  /** The path as sent, still percent-encoded. */
  path: string;
  /** Decoded query parameters in the order sent. */
  query: Array<[string, string]>;
  /** Header values by lower-case name, repeated headers joined with commas. */
  headers: Record<string, string>;
}

/** The signing key and scope of a verified request, for the chunk and trailer signatures that follow it. */
export interface SigningContext {
  accessKeyId: string;
  /** `yyyyMMddTHHmmssZ` */
  longDate: string;
  /** `yyyyMMdd/region/s3/aws4_request` */
  scope: string;
  /** HMAC-SHA256 of a string with the request's signing key, hex-encoded. */
  sign(stringToSign: string): Promise<string>;
}

/** What a valid SigV4 signature established about a request. */
export interface Authentication {
  mode: 'header' | 'query';
  signing: SigningContext;
  /** The request's signature: the seed of a signed aws-chunked payload. */
  signature: string;
  /** The x-amz-content-sha256 claim: a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* mode. */
  payloadHash: string;
  signedHeaders: readonly string[];
}

/** Fields of a POST policy upload that carry its signature. */
export interface PolicySignature {
  algorithm: string | undefined;
  credential: string;
  date: string;
  signature: string;
  /** The base64 policy exactly as sent: it is the string to sign. */
  policy: string;
}

/** Hex SHA-256 of the empty string. */
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** x-amz-content-sha256 values that are not a hash of the payload. */
const PAYLOAD_MODES = [
  'UNSIGNED-PAYLOAD',
  'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD',
  'STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER',
] as const;

const ALGORITHM = 'AWS4-HMAC-SHA256';
const SERVICE = 's3';
/** S3 refuses header-signed requests whose time is further than this from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;
/** Presigned URLs live at most a week. */
const MAX_EXPIRES_SECONDS = 604_800;
const QUERY_AUTH_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Date',
  'X-Amz-SignedHeaders',
  'X-Amz-Expires',
];
const UNSUPPORTED_MECHANISM =
  'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.';

type Where = 'header' | 'query' | 'form';

/**
 * Verifies SigV4 as S3 does: Authorization headers, presigned query strings and POST policy
 * signatures. The signing key and HMAC come from `@smithy/signature-v4`; the canonical request is
 * assembled here because a server must rebuild it from what arrived, not from what it would send.
 */
export class SigV4Verifier {
  readonly #region: string;
  readonly #credentials: Credentials;
  readonly #now: () => number;
  readonly #signer: SignatureV4;

  constructor(options: { region: string; credentials: Credentials; now?: () => number }) {
    this.#region = options.region;
    this.#credentials = options.credentials;
    this.#now = options.now ?? Date.now;
    this.#signer = new SignatureV4({
      service: SERVICE,
      region: options.region,
      credentials: options.credentials,
      sha256: Sha256,
      uriEscapePath: false,
    });
  }

  /** Verifies a request's signature; `undefined` for an anonymous request (no signature at all). */
  async authenticate(request: SignableRequest): Promise<Authentication | undefined> {
    const authorization = request.headers.authorization;
    const queryNames = new Set(request.query.map(([name]) => name));
    const presigned = QUERY_AUTH_PARAMS.some((name) => queryNames.has(name));
    if (queryNames.has('AWSAccessKeyId') || queryNames.has('Signature')) {
      throw new S3Error(400, 'InvalidRequest', UNSUPPORTED_MECHANISM);
    }
    if (authorization !== undefined && presigned) {
      throw invalidArgument(
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
        'Authorization',
        authorization,
      );
    }
    if (authorization !== undefined) return this.#verifyHeader(request, authorization);
    if (presigned) return this.#verifyQuery(request);
    return undefined;
  }

  /** Verifies the signature of a POST policy upload and returns the signing context it proves. */
  async verifyPolicy(fields: PolicySignature): Promise<SigningContext> {
    if (fields.algorithm !== ALGORITHM) {
      throw invalidArgument(
        `X-Amz-Algorithm only supports "${ALGORITHM}"`,
        'X-Amz-Algorithm',
        fields.algorithm ?? '',
      );
    }
    const credential = this.#parseCredential(fields.credential, 'form');
    const date = parseLongDate(fields.date);
    if (!date) {
      throw invalidArgument(
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
        'X-Amz-Date',
        fields.date,
      );
    }
    // The policy is signed with the key of the credential's date, whatever X-Amz-Date says.
    const signing = this.#context(credential.accessKeyId, credential.date, `${credential.date}T000000Z`);
    const expected = await signing.sign(fields.policy);
    if (!sameSignature(expected, fields.signature)) {
      throw signatureDoesNotMatch(credential.accessKeyId, fields.policy, fields.signature);
    }
    return signing;
  }

  async #verifyHeader(request: SignableRequest, authorization: string): Promise<Authentication> {
    if (/^AWS /.test(authorization)) throw new S3Error(400, 'InvalidRequest', UNSUPPORTED_MECHANISM);
    if (!authorization.startsWith(`${ALGORITHM} `)) {
      throw invalidArgument('Unsupported Authorization Type', 'Authorization', authorization);
    }
    const parts = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(',')) {
      const separator = part.indexOf('=');
      if (separator > 0) parts.set(part.slice(0, separator).trim(), part.slice(separator + 1).trim());
    }
    const credentialValue = parts.get('Credential');
    const signedHeadersValue = parts.get('SignedHeaders');
    const signature = parts.get('Signature');
    if (!credentialValue || !signedHeadersValue || !signature) {
      throw malformed(
        'header',
        'the authorization header requires three components: Credential, SignedHeaders, and Signature.',
      );
    }
    const credential = this.#parseCredential(credentialValue, 'header');

    const rawDate = request.headers['x-amz-date'] ?? request.headers.date;
    const time =
      rawDate === undefined ? undefined : (parseLongDate(rawDate)?.getTime() ?? parseHttpDate(rawDate));
    if (time === undefined)
      throw accessDenied('AWS authentication requires a valid Date or x-amz-date header');
    const date = new Date(time);
    const longDate = toLongDate(date);
    if (longDate.slice(0, 8) !== credential.date) {
      throw malformed('header', 'Invalid credential date. Date is not the same as X-Amz-Date.');
    }
    if (Math.abs(this.#now() - date.getTime()) > MAX_SKEW_MS) {
      throw new S3Error(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
        {
          RequestTime: rawDate,
          ServerTime: new Date(this.#now()).toISOString(),
          MaxAllowedSkewMilliseconds: MAX_SKEW_MS,
        },
      );
    }

    const payloadHash = request.headers['x-amz-content-sha256'];
    if (payloadHash === undefined) {
      throw new S3Error(
        400,
        'InvalidRequest',
        'Missing required header for this request: x-amz-content-sha256',
      );
    }
    if (!isPayloadHash(payloadHash)) {
      throw invalidArgument(
        `x-amz-content-sha256 must be ${PAYLOAD_MODES.join(', ')} or a valid sha256 value.`,
        'x-amz-content-sha256',
        payloadHash,
      );
    }
    rejectSessionToken(request.headers['x-amz-security-token']);
    const signedHeaders = parseSignedHeaders(signedHeadersValue);
    requireSignedAmzHeaders(request, signedHeaders);

    const signing = this.#context(credential.accessKeyId, credential.date, longDate);
    await this.#checkSignature(request, signing, signedHeaders, payloadHash, signature);
    return { mode: 'header', signing, signature, payloadHash, signedHeaders };
  }

  async #verifyQuery(request: SignableRequest): Promise<Authentication> {
    const params = new Map(request.query);
    if (QUERY_AUTH_PARAMS.some((name) => !params.has(name))) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
      );
    }
    const param = (name: string) => params.get(name) ?? '';
    if (param('X-Amz-Algorithm') !== ALGORITHM) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Algorithm only supports "${ALGORITHM}"`,
      );
    }
    const credential = this.#parseCredential(param('X-Amz-Credential'), 'query');
    const date = parseLongDate(param('X-Amz-Date'));
    if (!date) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"",
      );
    }
    const longDate = toLongDate(date);
    if (longDate.slice(0, 8) !== credential.date) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        `Invalid credential date "${credential.date}". This date is not the same as X-Amz-Date: "${longDate.slice(0, 8)}".`,
      );
    }
    const expires = param('X-Amz-Expires');
    if (!/^-?\d+$/.test(expires)) {
      throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires should be a number');
    }
    const expiresSeconds = Number(expires);
    if (expiresSeconds < 0) {
      throw new S3Error(400, 'AuthorizationQueryParametersError', 'X-Amz-Expires must be non-negative');
    }
    if (expiresSeconds > MAX_EXPIRES_SECONDS) {
      throw new S3Error(
        400,
        'AuthorizationQueryParametersError',
        `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_EXPIRES_SECONDS}`,
      );
    }
    rejectSessionToken(params.get('X-Amz-Security-Token') ?? request.headers['x-amz-security-token']);
    const signedHeaders = parseSignedHeaders(param('X-Amz-SignedHeaders'));
    requireSignedAmzHeaders(request, signedHeaders);

    // A presigned URL's payload is not signed unless the URL itself says otherwise.
    const payloadHash = params.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
    if (!isPayloadHash(payloadHash)) {
      throw invalidArgument(
        `x-amz-content-sha256 must be ${PAYLOAD_MODES.join(', ')} or a valid sha256 value.`,
        'x-amz-content-sha256',
        payloadHash,
      );
    }
    const signature = param('X-Amz-Signature');
    const signing = this.#context(credential.accessKeyId, credential.date, longDate);
    await this.#checkSignature(request, signing, signedHeaders, payloadHash, signature);

    // S3 checks the signature before the expiry: a tampered expired URL is a signature mismatch.
    const expiresAt = date.getTime() + expiresSeconds * 1000;
    if (this.#now() > expiresAt) {
      throw accessDenied('Request has expired', {
        'X-Amz-Expires': expires,
        Expires: isoSeconds(new Date(expiresAt)),
        ServerTime: isoSeconds(new Date(this.#now())),
      });
    }
    return { mode: 'query', signing, signature, payloadHash, signedHeaders };
  }

  #parseCredential(value: string, where: Where) {
    const parts = value.split('/');
    const [accessKeyId, date, region, service, terminal] = parts;
    if (
      parts.length !== 5 ||
      !accessKeyId ||
      !date ||
      !region ||
      !service ||
      !terminal ||
      !/^\d{8}$/.test(date)
    ) {
      throw malformed(
        where,
        'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".',
      );
    }
    if (accessKeyId !== this.#credentials.accessKeyId) {
      throw new S3Error(
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
        {
          AWSAccessKeyId: accessKeyId,
        },
      );
    }
    if (region !== this.#region) {
      throw malformed(where, `the region '${region}' is wrong; expecting '${this.#region}'`, {
        Region: this.#region,
      });
    }
    if (service !== SERVICE) {
      throw malformed(where, `incorrect service "${service}". This endpoint belongs to "${SERVICE}".`);
    }
    if (terminal !== 'aws4_request') {
      throw malformed(where, `incorrect terminal "${terminal}". This endpoint uses "aws4_request".`);
    }
    return { accessKeyId, date };
  }

  #context(accessKeyId: string, shortDate: string, longDate: string): SigningContext {
    const signingDate = parseLongDate(`${shortDate}T000000Z`) ?? new Date(0);
    const region = this.#region;
    return {
      accessKeyId,
      longDate,
      scope: `${shortDate}/${region}/${SERVICE}/aws4_request`,
      sign: (stringToSign) =>
        this.#signer.sign(stringToSign, { signingDate, signingRegion: region, signingService: SERVICE }),
    };
  }

  async #checkSignature(
    request: SignableRequest,
    signing: SigningContext,
    signedHeaders: readonly string[],
    payloadHash: string,
    provided: string,
  ): Promise<void> {
    const canonicalRequest = buildCanonicalRequest(request, signedHeaders, payloadHash);
    const stringToSign = [ALGORITHM, signing.longDate, signing.scope, sha256Hex(canonicalRequest)].join('\n');
    const expected = await signing.sign(stringToSign);
    if (!sameSignature(expected, provided)) {
      throw signatureDoesNotMatch(signing.accessKeyId, stringToSign, provided, canonicalRequest);
    }
  }
}

/**
 * The SigV4 canonical request. S3 takes the path as one URI-encoding of the key, without the
 * dot-segment normalisation other services apply; the query keeps every parameter but the signature.
 */
function buildCanonicalRequest(
  request: SignableRequest,
  signedHeaders: readonly string[],
  payloadHash: string,
): string {
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of request.query) {
    const existing = query[name];
    query[name] =
      existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  const picked: Record<string, string> = {};
  for (const name of signedHeaders) picked[name] = request.headers[name] ?? '';
  const canonicalHeaders = getCanonicalHeaders(
    { headers: picked } as Parameters<typeof getCanonicalHeaders>[0],
    undefined,
    new Set(signedHeaders),
  );
  return [
    request.method,
    canonicalUri(request.path),
    getCanonicalQuery({ query } as Parameters<typeof getCanonicalQuery>[0]),
    ...signedHeaders.map((name) => `${name}:${canonicalHeaders[name] ?? ''}`),
    '',
    signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
}

/** Hex SHA-256. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Parses `yyyyMMddTHHmmssZ`. */
function parseLongDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day, hour, minute, second));
  return toLongDate(date) === value ? date : undefined;
}

function toLongDate(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}/, '')
    .replace(/[-:]/g, '');
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function isPayloadHash(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value) || (PAYLOAD_MODES as readonly string[]).includes(value);
}

function canonicalUri(path: string): string {
  return path
    .split('/')
    .map((segment) =>
      encodeURIComponent(decodeURIComponent(segment)).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
      ),
    )
    .join('/');
}

function parseSignedHeaders(value: string): string[] {
  return value
    .split(';')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean)
    .sort();
}

/** S3 refuses x-amz-* headers the signature does not cover, so nobody can add them to a signed request. */
function requireSignedAmzHeaders(request: SignableRequest, signedHeaders: readonly string[]): void {
  const signed = new Set(signedHeaders);
  const unsigned = Object.keys(request.headers).filter(
    (name) => name.startsWith('x-amz-') && name !== 'x-amz-content-sha256' && !signed.has(name),
  );
  if (unsigned.length > 0) {
    throw accessDenied('There were headers present in the request which were not signed', {
      HeadersNotSigned: unsigned.join(', '),
    });
  }
}

/** The emulator's key pair has no session token, so any token presented cannot be valid. */
function rejectSessionToken(token: string | undefined): void {
  if (token !== undefined) {
    throw new S3Error(400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.', {
      Token: token,
    });
  }
}

function malformed(where: Where, detail: string, details: Record<string, string> = {}): S3Error {
  if (where === 'header') {
    return new S3Error(
      400,
      'AuthorizationHeaderMalformed',
      `The authorization header is malformed; ${detail}`,
      details,
    );
  }
  const code = where === 'query' ? 'AuthorizationQueryParametersError' : 'InvalidArgument';
  return new S3Error(400, code, `Error parsing the X-Amz-Credential parameter; ${detail}`, details);
}

function sameSignature(expected: string, provided: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(provided);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bytes(text: string): string {
  return [...Buffer.from(text)].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
}

/** 403 SignatureDoesNotMatch with the diagnostics S3 includes (string to sign, canonical request). */
export function signatureDoesNotMatch(
  accessKeyId: string,
  stringToSign: string,
  provided: string,
  canonicalRequest?: string,
): S3Error {
  return new S3Error(
    403,
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    {
      AWSAccessKeyId: accessKeyId,
      StringToSign: stringToSign,
      SignatureProvided: provided,
      StringToSignBytes: bytes(stringToSign),
      CanonicalRequest: canonicalRequest,
      CanonicalRequestBytes: canonicalRequest === undefined ? undefined : bytes(canonicalRequest),
    },
  );
}
