import { invalidArgument } from './errors.ts';
import type { StoredObject } from './store.ts';
import { element, S3_NAMESPACE, XML_DECLARATION } from './xml.ts';

/** The parameters of a ListObjectsV2 request. */
export interface ListObjectsRequest {
  bucket: string;
  prefix: string;
  delimiter: string | undefined;
  maxKeys: number;
  continuationToken: string | undefined;
  startAfter: string | undefined;
  encodingType: 'url' | undefined;
  fetchOwner: boolean;
  ownerId: string;
}

/** Where the previous page stopped: its last key, or its last common prefix (then skipped whole). */
interface Marker {
  after: string;
  commonPrefix: boolean;
}

/** S3 never returns more than 1000 keys a page. */
export const MAX_KEYS = 1000;

/**
 * Renders one ListObjectsV2 page over objects in listing order. Keys and common prefixes share the
 * max-keys budget, as in S3; the continuation token is opaque to clients and records where the page
 * stopped.
 */
export function listObjectsV2(objects: readonly StoredObject[], request: ListObjectsRequest): string {
  const marker = request.continuationToken
    ? decodeToken(request.continuationToken)
    : request.startAfter
      ? { after: request.startAfter, commonPrefix: false }
      : undefined;
  const after = marker ? Buffer.from(marker.after) : undefined;
  const { prefix, delimiter, maxKeys } = request;

  const contents: StoredObject[] = [];
  const commonPrefixes: string[] = [];
  let truncated = false;
  let next: Marker | undefined;
  for (const object of maxKeys === 0 ? [] : objects) {
    const { key } = object;
    if (!key.startsWith(prefix)) continue;
    if (after && Buffer.compare(Buffer.from(key), after) <= 0) continue;
    if (marker?.commonPrefix && key.startsWith(marker.after)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const commonPrefix = delimiter && cut >= 0 ? key.slice(0, cut + delimiter.length) : undefined;
    if (commonPrefix !== undefined && commonPrefix === commonPrefixes.at(-1)) continue;
    if (contents.length + commonPrefixes.length === maxKeys) {
      truncated = true;
      break;
    }
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      next = { after: commonPrefix, commonPrefix: true };
    } else {
      contents.push(object);
      next = { after: key, commonPrefix: false };
    }
  }

  const encode = (value: string) => (request.encodingType === 'url' ? urlEncode(value) : value);
  const owner = request.fetchOwner
    ? `<Owner>${element('ID', request.ownerId)}${element('DisplayName', 'local')}</Owner>`
    : '';
  return (
    `${XML_DECLARATION}<ListBucketResult xmlns="${S3_NAMESPACE}">` +
    element('Name', request.bucket) +
    element('Prefix', encode(prefix)) +
    element('Delimiter', delimiter === undefined ? undefined : encode(delimiter)) +
    element('MaxKeys', maxKeys) +
    element('EncodingType', request.encodingType) +
    element('KeyCount', contents.length + commonPrefixes.length) +
    element('IsTruncated', truncated) +
    element('ContinuationToken', request.continuationToken) +
    element('NextContinuationToken', truncated && next ? encodeToken(next) : undefined) +
    element('StartAfter', request.startAfter === undefined ? undefined : encode(request.startAfter)) +
    contents
      .map(
        (object) =>
          '<Contents>' +
          element('Key', encode(object.key)) +
          element('LastModified', object.lastModified) +
          element('ETag', object.etag) +
          element('ChecksumAlgorithm', object.checksum?.algorithm) +
          element('ChecksumType', object.checksum ? 'FULL_OBJECT' : undefined) +
          element('Size', object.size) +
          owner +
          element('StorageClass', 'STANDARD') +
          '</Contents>',
      )
      .join('') +
    commonPrefixes
      .map((value) => `<CommonPrefixes>${element('Prefix', encode(value))}</CommonPrefixes>`)
      .join('') +
    '</ListBucketResult>'
  );
}

function encodeToken(marker: Marker): string {
  return Buffer.from(JSON.stringify(marker)).toString('base64');
}

function decodeToken(token: string): Marker {
  try {
    const marker = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Partial<Marker>;
    if (typeof marker.after === 'string' && typeof marker.commonPrefix === 'boolean') {
      return { after: marker.after, commonPrefix: marker.commonPrefix };
    }
  } catch {
    // fall through: not one of ours
  }
  throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
}

/** S3's `encoding-type=url`: form-style percent-encoding of every character but unreserved ones and `/`. */
function urlEncode(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/%20/g, '+');
}
