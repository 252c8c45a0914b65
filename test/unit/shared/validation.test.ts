import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { displayName, messageContent, text, validate, withContentOrAttachments } from '#shared/validation';

describe('text validation', () => {
  const name = text({ min: 1, max: 5, trim: true });

  it('counts code points and trims when asked', () => {
    expect(validate(name, '  😀😀😀😀😀 ')).toBe('😀😀😀😀😀');
    expect(() => validate(name, '😀😀😀😀😀😀')).toThrow();
  });

  it.each([
    ['a NUL character', 'a\u0000b'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', '\udc00'],
  ])('refuses %s, which PostgreSQL cannot store as text', (_case, value) => {
    for (const schema of [name, messageContent]) {
      expect(() => validate(schema, value, 'field')).toThrow(
        expect.objectContaining({
          kind: 'invalid',
          details: { field: 'must be valid Unicode text without NUL characters' },
        }),
      );
    }
  });

  it('accepts other control characters, such as tabs and new lines', () => {
    expect(validate(messageContent, 'line one\n\tline two')).toBe('line one\n\tline two');
  });
});

describe('display names', () => {
  const name = displayName({ max: 80 });
  const refusal = (value: string) => {
    try {
      validate(name, value, 'name');
      return undefined;
    } catch (error) {
      return (error as { details?: Record<string, string> }).details?.name;
    }
  };

  it.each([
    ['a control character', 'a\u0007b', 'U+0007'],
    ['a tab', 'a\tb', 'U+0009'],
    ['a new line', 'a\nb', 'U+000A'],
    ['a zero-width space', 'general\u200b', 'U+200B'],
    ['a zero-width non-joiner', 'a\u200cb', 'U+200C'],
    ['a zero-width joiner', 'a\u200db', 'U+200D'],
    ['a word joiner', 'a\u2060b', 'U+2060'],
    ['a byte order mark inside', 'gen\ufefferal', 'U+FEFF'],
    ['a left-to-right mark', 'a\u200eb', 'U+200E'],
    ['a right-to-left mark', 'a\u200fb', 'U+200F'],
    ['a left-to-right embedding', 'a\u202ab', 'U+202A'],
    ['a right-to-left override', 'evil\u202egnp.exe', 'U+202E'],
    ['a pop directional formatting', 'a\u202cb', 'U+202C'],
    ['a left-to-right isolate', 'a\u2066b', 'U+2066'],
    ['a pop directional isolate', 'a\u2069b', 'U+2069'],
    ['a line separator', 'a\u2028b', 'U+2028'],
    ['a paragraph separator', 'a\u2029b', 'U+2029'],
    ['a soft hyphen', 'gen\u00aderal', 'U+00AD'],
    ['a Hangul choseong filler', 'a\u115fb', 'U+115F'],
    ['a Hangul jungseong filler', 'a\u1160b', 'U+1160'],
    ['a Hangul filler', '\u3164', 'U+3164'],
    ['a halfwidth Hangul filler', 'a\uffa0b', 'U+FFA0'],
    ['a blank braille pattern', '\u2800', 'U+2800'],
    ['a tag character', 'a\u{e0041}', 'U+E0041'],
    ['only zero-width spaces', '\u200b\u200b\u200b', 'U+200B'],
  ])('refuses %s, naming it', (_, value, codePoint) => {
    expect(refusal(value)).toBe(
      `must not contain invisible, control or bidirectional characters (found ${codePoint})`,
    );
  });

  it('refuses a name of only spaces', () => {
    expect(refusal('   ')).toBe('must be at least 1 characters');
    expect(refusal('\u3000\u00a0')).toBe('must be at least 1 characters');
  });

  it.each([
    ['letters in any script', 'Σίσυφος 広場 שלום'],
    ['spaces between words', 'deploy bot'],
    ['an emoji with its presentation selector', '❤️ fans'],
    ['punctuation', 'ops/alerts #1'],
  ])('accepts %s', (_, value) => {
    expect(refusal(value)).toBeUndefined();
  });
});

describe('message content', () => {
  const message = z
    .object({ content: messageContent, attachments: z.array(z.unknown()) })
    .check(withContentOrAttachments);
  const refusal = (content: string, attachments: unknown[] = []) => {
    try {
      validate(message, { content, attachments });
      return undefined;
    } catch (error) {
      return (error as { details?: Record<string, string> }).details?.content;
    }
  };

  it.each([
    ['empty', ''],
    ['only spaces and new lines', ' \n\t '],
    ['only zero-width spaces', '\u200b\u200b'],
    ['only joiners', '\u200d\u200c\u2060'],
    ['only bidirectional marks and overrides', '\u200e\u200f\u202e\u2066'],
    ['only a BOM', '\ufeff'],
    ['only Hangul fillers', '\u3164\u115f\uffa0'],
    ['only variation selectors', '\ufe0f\ufe0e'],
    ['only a blank braille pattern', '\u2800'],
  ])('refuses %s content without attachments', (_, content) => {
    expect(refusal(content)).toBe('must not be empty or only whitespace and invisible characters');
  });

  it('accepts empty or invisible content with an attachment', () => {
    expect(refusal('', [{}])).toBeUndefined();
    expect(refusal('\u200b', [{}])).toBeUndefined();
  });

  it.each([
    ['a ZWJ emoji sequence', '👩\u200d💻'],
    ['marks in mixed right-to-left text', 'שלום\u200f 42 \u200eok'],
    ['a variation selector', '❤\ufe0f'],
    ['a zero-width space between words', 'long\u200bword'],
  ])('keeps %s', (_, content) => {
    expect(refusal(content)).toBeUndefined();
  });
});
