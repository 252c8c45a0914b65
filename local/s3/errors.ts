import { element, XML_DECLARATION } from './xml.ts';

/** Extra elements S3 adds to an error body after Code and Message (Key, BucketName, ...). */
export type ErrorDetails = Record<string, string | number | undefined>;

/** An error S3 answers with: HTTP status, error code and message, rendered as S3's XML error body. */
export class S3Error extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetails;

  constructor(status: number, code: string, message: string, details: ErrorDetails = {}) {
    super(message);
    this.name = 'S3Error';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** Renders S3's error document: `<Error><Code>..</Code><Message>..</Message>...<RequestId>..</RequestId></Error>`. */
export function renderError(error: S3Error, requestId: string, hostId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => element(name, value))
    .join('');
  return (
    `${XML_DECLARATION}<Error>${element('Code', error.code)}${element('Message', error.message)}` +
    `${details}${element('RequestId', requestId)}${element('HostId', hostId)}</Error>`
  );
}

/** 404 for a key that does not exist. */
export function noSuchKey(key: string): S3Error {
  return new S3Error(404, 'NoSuchKey', 'The specified key does not exist.', { Key: key });
}

/** 404 for a bucket that does not exist. */
export function noSuchBucket(bucket: string): S3Error {
  return new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', { BucketName: bucket });
}

/** 403 AccessDenied, S3's answer to anonymous requests on private buckets among others. */
export function accessDenied(message = 'Access Denied', details: ErrorDetails = {}): S3Error {
  return new S3Error(403, 'AccessDenied', message, details);
}

/** 400 InvalidArgument naming the offending argument. */
export function invalidArgument(message: string, name: string, value: string): S3Error {
  return new S3Error(400, 'InvalidArgument', message, { ArgumentName: name, ArgumentValue: value });
}

/** 400 InvalidRequest. */
export function invalidRequest(message: string): S3Error {
  return new S3Error(400, 'InvalidRequest', message);
}

/** 501 for S3 operations this emulator does not implement, rather than answering them wrongly. */
export function notImplemented(what: string): S3Error {
  return new S3Error(501, 'NotImplemented', `The local S3 emulator does not implement ${what}.`);
}

/** 400 when a checksum sent with the request does not match the received data. */
export function badDigest(algorithm: string): S3Error {
  return new S3Error(
    400,
    'BadDigest',
    `The ${algorithm} you specified did not match the calculated checksum.`,
  );
}

/** 400 when the upload exceeds a size limit (5 GiB PUT, or a POST policy's content-length-range). */
export function entityTooLarge(proposedSize: number, maxSizeAllowed: number): S3Error {
  return new S3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
    ProposedSize: proposedSize,
    MaxSizeAllowed: maxSizeAllowed,
  });
}

/** 400 when the body ended before the announced number of bytes arrived. */
export function incompleteBody(): S3Error {
  return new S3Error(
    400,
    'IncompleteBody',
    'You did not provide the number of bytes specified by the Content-Length HTTP header',
  );
}
