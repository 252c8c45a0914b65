import { describe, expect, it } from 'vitest';
import { messageContent, text, validate } from '#shared/validation';

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
