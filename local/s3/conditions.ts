import { noSuchKey, notImplemented, S3Error } from './errors.ts';
import type { StoredObject } from './store.ts';

/** Conditional writes: If-None-Match: * (create only) and If-Match (replace only that version). */
export function checkWritePreconditions(
  existing: StoredObject | undefined,
  headers: Readonly<Record<string, string>>,
  key: string,
): void {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match with a value other than * on writes');
    if (existing) throw preconditionFailed('If-None-Match');
  }
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    if (!existing) throw noSuchKey(key);
    if (!etagMatches(ifMatch, existing.etag)) throw preconditionFailed('If-Match');
  }
}

/** RFC 7232 preconditions for GET and HEAD, which S3 follows. */
export function checkReadPreconditions(
  object: StoredObject,
  headers: Readonly<Record<string, string>>,
): void {
  const lastModified = Date.parse(object.lastModified);
  const ifMatch = headers['if-match'];
  const ifUnmodifiedSince = parseHttpDate(headers['if-unmodified-since']);
  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw preconditionFailed('If-Match');
  } else if (ifUnmodifiedSince !== undefined && lastModified > ifUnmodifiedSince) {
    throw preconditionFailed('If-Unmodified-Since');
  }
  const ifNoneMatch = headers['if-none-match'];
  const ifModifiedSince = parseHttpDate(headers['if-modified-since']);
  const notModified =
    ifNoneMatch !== undefined
      ? etagMatches(ifNoneMatch, object.etag)
      : ifModifiedSince !== undefined && lastModified <= ifModifiedSince;
  if (notModified) {
    throw new S3Error(304, 'NotModified', 'Not Modified', { ETag: object.etag });
  }
}

function preconditionFailed(condition: string): S3Error {
  return new S3Error(
    412,
    'PreconditionFailed',
    'At least one of the pre-conditions you specified did not hold',
    {
      Condition: condition,
    },
  );
}

/** An HTTP date (or any date `Date.parse` reads) in milliseconds since the epoch. */
export function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

function etagMatches(list: string, etag: string): boolean {
  return list.split(',').some((candidate) => {
    const tag = candidate.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag || `"${tag}"` === etag;
  });
}

/**
 * A single `bytes=` range, clamped to the object. Unparseable or multiple ranges are ignored (the
 * whole object is sent), as S3 does; a range starting past the end is 416.
 */
export function parseRange(header: string, size: number): { start: number; end: number } | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  const unsatisfiable = () =>
    new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable', {
      RangeRequested: header,
      ActualObjectSize: size,
    });
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
