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

/**
 * Characters that show nothing by themselves: whitespace, controls (Cc), format characters (Cf: zero-width
 * space, joiners, BOM, bidirectional marks, embeddings, overrides and isolates), line and paragraph
 * separators, every other default-ignorable code point (variation selectors, Hangul fillers, tags…), and
 * the blank braille pattern U+2800, which renders as an empty cell.
 */
const invisible = /[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/gu;

/** Whether `value` shows nothing: empty, or only whitespace and invisible characters. */
export const isBlank = (value: string) => value.replace(invisible, '') === '';

/**
 * Characters a name may not contain anywhere: every invisible character but the ordinary space and
 * the variation selectors that pick an emoji's presentation (`❤️`). Names are shown alone, where a
 * zero-width or bidirectional character only serves to make two names look alike or text run backwards.
 */
const refusedInNames = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** The first character `value` may not contain as a name, as `U+XXXX`. */
function refusedNameCharacter(value: string): string | undefined {
  for (const character of value) {
    const codePoint = character.codePointAt(0) ?? 0;
    if (refusedInNames.test(character) && !isVariationSelector(codePoint)) {
      return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
  return undefined;
}

/** Variation selectors VS1–VS256 (U+FE00–U+FE0F, U+E0100–U+E01EF), which pick a glyph's presentation. */
export const isVariationSelector = (codePoint: number) =>
  (codePoint >= 0xfe00 && codePoint <= 0xfe0f) || (codePoint >= 0xe0100 && codePoint <= 0xe01ef);

/**
 * A name people see and tell apart (a channel's, an API key's): trimmed, 1–`max` characters, with no
 * control, zero-width, bidirectional or other invisible character, and not blank.
 */
export function displayName({ max }: { max: number }) {
  return text({ min: 1, max, trim: true }).check(
    z.refine((value) => refusedNameCharacter(value) === undefined, {
      error: (issue) =>
        `must not contain invisible, control or bidirectional characters (found ${refusedNameCharacter(String(issue.input))})`,
    }),
    // A name refused for its characters already says why; this catches whatever else shows nothing.
    z.refine(
      (value) => value === '' || refusedNameCharacter(value) !== undefined || !isBlank(value),
      'must contain a visible character',
    ),
  );
}

/** An idempotency key: 1–128 characters of `[A-Za-z0-9_.:-]`. */
export const clientMessageId = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be 1–128 characters of A-Z a-z 0-9 _ . : -'));

/**
 * Message text: at most 4000 characters. Whitespace and invisible characters are welcome inside visible
 * text (a ZWJ in 👩‍💻, RLM between Hebrew and digits, variation selectors), but content made only of them
 * counts as empty, which only a message with attachments may be: {@link withContentOrAttachments}.
 */
export const messageContent = z.string().check(
  storable,
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

/** Why empty content is refused, over HTTP and WebSocket alike. */
export const emptyContent = 'must not be empty or only whitespace and invisible characters';

/** Refuses blank `content` (see {@link isBlank}) unless the message has attachments. */
export const withContentOrAttachments = z.refine<{ content: string; attachments: unknown[] }>(
  (message) => !isBlank(message.content) || message.attachments.length > 0,
  { message: emptyContent, path: ['content'] },
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
