import * as z from 'zod/mini';
import { imageTypeNames } from '#domain/uploads/image-types';
import { DomainError } from './errors.ts';

/** Lengths count Unicode code points, as the contract says, not UTF-16 units. */
export const codePoints = (value: string) => [...value].length;

/**
 * Whether PostgreSQL can store `value` as text: well-formed Unicode (no lone surrogate halves) without
 * U+0000, which a `text` column refuses with an error.
 */
export const isStorableText = (value: string) => value.isWellFormed() && !value.includes('\u0000');

const storable = z.refine<string>(isStorableText, 'must be valid Unicode text without NUL characters');

/** A string of `min`–`max` code points, trimmed first when `trim` is set. */
export function text({ min, max, trim = false }: { min: number; max: number; trim?: boolean }) {
  return z
    .pipe(
      z.string(),
      z.transform((value) => (trim ? value.trim() : value)),
    )
    .check(
      storable,
      z.refine((value) => codePoints(value) >= min, `must be at least ${min} characters`),
      z.refine((value) => codePoints(value) <= max, `must be at most ${max} characters`),
    );
}

/** An idempotency key: 1–128 characters of `[A-Za-z0-9_.:-]`. */
export const clientMessageId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 characters of A-Z a-z 0-9 _ . : -'));

/**
 * Message text: at most 4000 characters, not only whitespace. It may be empty (`""`) when the message
 * has attachments, which {@link withContentOrAttachments} checks.
 */
export const messageContent = z.string().check(
  storable,
  z.refine((value) => value === '' || value.trim().length > 0, 'must not be only whitespace'),
  z.refine((value) => codePoints(value) <= 4000, 'must be at most 4000 characters'),
);

/** The most images one message may attach. */
export const maxAttachments = 10;

/** One attached image: an upload's id and optional alternative text (1–500 characters). */
export const attachmentRequest = z.object({
  uploadId: z.string().check(z.refine(isUuid, 'must be an upload id')),
  alt: z.optional(text({ min: 1, max: 500 })),
});

/** A message's images: at most {@link maxAttachments}. */
export const attachments = z
  .array(attachmentRequest)
  .check(z.maxLength(maxAttachments, `must hold at most ${maxAttachments} images`));

/** Refuses empty `content` unless the message has attachments. */
export const withContentOrAttachments = z.refine<{ content: string; attachments: unknown[] }>(
  (message) => message.content !== '' || message.attachments.length > 0,
  { message: 'must not be empty or only whitespace', path: ['content'] },
);

/** `POST /api/uploads`: an image type hiroba accepts and a size in bytes (the stack's limit is checked later). */
export const uploadRequest = z.object({
  contentType: z.enum(imageTypeNames, `must be one of ${imageTypeNames.join(', ')}`),
  size: z.number().check(z.int('must be a whole number of bytes'), z.positive('must be at least 1 byte')),
});

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `value` is a UUID in its usual spelling, in either case: ids from a path are checked before SQL sees them. */
export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/** Parses `value` with `schema`, or throws `invalid` naming every offending field. */
export function validate<Schema extends z.ZodMiniType>(
  schema: Schema,
  value: unknown,
  prefix?: string,
): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = Object.fromEntries(
    parsed.error.issues.map((issue) => [
      [prefix, ...issue.path].filter((p) => p !== undefined).join('.') || '(body)',
      issue.message,
    ]),
  );
  throw new DomainError('invalid', 'The request is invalid.', { details });
}
