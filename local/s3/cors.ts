import { S3Error } from './errors.ts';

/** A bucket CORS rule, shaped like S3's CORSRule. */
export interface CorsRule {
  AllowedOrigins: string[];
  AllowedMethods: Array<'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD'>;
  AllowedHeaders?: string[];
  ExposeHeaders?: string[];
  MaxAgeSeconds?: number;
}

/**
 * The CORS headers for a request, from the first rule that matches it as S3 evaluates rules: the
 * Origin matches an AllowedOrigin (which may hold one `*` wildcard), the method (for a preflight,
 * Access-Control-Request-Method) is allowed, and every header of Access-Control-Request-Headers
 * matches an AllowedHeader. `undefined` when no rule matches.
 */
export function corsHeaders(
  rules: readonly CorsRule[] | undefined,
  request: { origin: string; method: string; requestHeaders: string | undefined },
): Record<string, string> | undefined {
  const requested = (request.requestHeaders ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const rule = rules?.find(
    (candidate) =>
      (candidate.AllowedMethods as string[]).includes(request.method) &&
      candidate.AllowedOrigins.some((allowed) => wildcardMatch(allowed, request.origin, false)) &&
      requested.every((name) =>
        (candidate.AllowedHeaders ?? []).some((allowed) => wildcardMatch(allowed, name, true)),
      ),
  );
  if (!rule) return undefined;
  const anyOrigin = rule.AllowedOrigins.includes('*');
  const headers: Record<string, string> = {
    // S3 answers `*` for a rule that allows every origin, and then does not allow credentials.
    'access-control-allow-origin': anyOrigin ? '*' : request.origin,
    'access-control-allow-methods': rule.AllowedMethods.join(', '),
    vary: 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method',
  };
  if (!anyOrigin) headers['access-control-allow-credentials'] = 'true';
  if (requested.length > 0) headers['access-control-allow-headers'] = requested.join(', ');
  if (rule.ExposeHeaders?.length) headers['access-control-expose-headers'] = rule.ExposeHeaders.join(', ');
  if (rule.MaxAgeSeconds !== undefined) headers['access-control-max-age'] = String(rule.MaxAgeSeconds);
  return headers;
}

/** Answers a preflight (`OPTIONS`) request from the bucket's rules, or throws S3's 403. */
export function preflight(
  rules: readonly CorsRule[] | undefined,
  bucketExists: boolean,
  request: { origin: string | undefined; method: string | undefined; requestHeaders: string | undefined },
): Record<string, string> {
  if (!request.origin) {
    throw new S3Error(400, 'BadRequest', 'Insufficient information. Origin request header needed.');
  }
  const method = request.method ?? 'OPTIONS';
  if (!bucketExists || !rules?.length) {
    throw new S3Error(
      403,
      'AccessForbidden',
      bucketExists ? 'CORSResponse: CORS is not enabled for this bucket.' : 'CORSResponse: Bucket not found',
      { Method: method, ResourceType: 'BUCKET' },
    );
  }
  const headers = corsHeaders(rules, {
    origin: request.origin,
    method,
    requestHeaders: request.requestHeaders,
  });
  if (!headers) {
    throw new S3Error(
      403,
      'AccessForbidden',
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
      { Method: method, ResourceType: 'OBJECT' },
    );
  }
  return headers;
}

function wildcardMatch(pattern: string, value: string, ignoreCase: boolean): boolean {
  const escaped = pattern
    .split('*')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${escaped}$`, ignoreCase ? 'i' : '').test(value);
}
