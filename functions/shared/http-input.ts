import * as z from 'zod/mini';
import type { PageQuery } from '#domain/messages/ports';
import { DomainError } from './errors.ts';
import type { HttpEvent } from './middleware/http.ts';
import { validate } from './validation.ts';

/** The JSON body of a request, validated; a missing or malformed body is `invalid`, never a 500. */
export function jsonBody<Schema extends z.ZodMiniType>(event: HttpEvent, schema: Schema): z.infer<Schema> {
  const raw =
    event.isBase64Encoded && event.body ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  let body: unknown;
  try {
    body = JSON.parse(raw ?? '');
  } catch {
    throw new DomainError('invalid', 'The body must be JSON.', { details: { body: 'not valid JSON' } });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new DomainError('invalid', 'The body must be a JSON object.', {
      details: { body: 'not an object' },
    });
  }
  return validate(schema, body);
}

/** A path parameter API Gateway matched (always present for the route). */
export function pathParameter(event: HttpEvent, name: string): string {
  const value = event.pathParameters?.[name];
  if (value === undefined) throw new Error(`Route has no path parameter ${name}`);
  return value;
}

const count = z.string().check(z.regex(/^\d{1,15}$/, 'must be a whole number, 0 or more'));

const historyQuery = z.object({
  limit: z.optional(count),
  offset: z.optional(count),
  after: z.optional(count),
  before: z.optional(count),
});

/** The history query of the contract: `limit` 1–200 (100), and one of `offset` (default), `after`, `before`. */
export function historyPage(event: HttpEvent): PageQuery {
  const query = validate(historyQuery, event.queryStringParameters ?? {});
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (limit < 1 || limit > 200) {
    throw new DomainError('invalid', 'The request is invalid.', {
      details: { limit: 'must be from 1 to 200' },
    });
  }
  const modes = (['offset', 'after', 'before'] as const).filter((mode) => query[mode] !== undefined);
  if (modes.length > 1) {
    const details = Object.fromEntries(modes.map((mode) => [mode, 'use only one of offset, after, before']));
    throw new DomainError('invalid', 'The request is invalid.', { details });
  }
  if (query.after !== undefined) return { mode: 'after', seq: Number(query.after), limit };
  if (query.before !== undefined) return { mode: 'before', seq: Number(query.before), limit };
  return { mode: 'offset', offset: Number(query.offset ?? 0), limit };
}
