import { describe, expect, it } from 'vitest';
import type { Message } from '../../../web/src/api/types.ts';
import { en } from '../../../web/src/i18n/en.ts';
import { preferredLocale } from '../../../web/src/i18n/index.ts';
import { ja } from '../../../web/src/i18n/ja.ts';
import { codePoints, fitInto, linkify, startsGroup } from '../../../web/src/ui/format.ts';

const at = (minute: number, userId = 'u1') =>
  ({ userId, createdAt: new Date(2026, 0, 1, 12, minute).toISOString() }) as Message;

describe('turning text into links', () => {
  it('makes web addresses links and leaves the rest as text', () => {
    expect(linkify('see https://example.com/a?b=1 now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', href: 'https://example.com/a?b=1' },
      { kind: 'text', text: ' now' },
    ]);
  });

  it('keeps sentence punctuation out of the link', () => {
    expect(linkify('(at https://example.com/docs).')).toEqual([
      { kind: 'text', text: '(at ' },
      { kind: 'link', href: 'https://example.com/docs' },
      { kind: 'text', text: ').' },
    ]);
  });

  it('never turns markup into anything but text', () => {
    expect(linkify('<b>hi</b> javascript:alert(1)')).toEqual([
      { kind: 'text', text: '<b>hi</b> javascript:alert(1)' },
    ]);
  });
});

describe('grouping messages', () => {
  it('groups one author’s messages within five minutes', () => {
    expect(startsGroup(at(0), at(4))).toBe(false);
    expect(startsGroup(at(0), at(6))).toBe(true);
    expect(startsGroup(at(0), at(1, 'u2'))).toBe(true);
    expect(startsGroup(undefined, at(0))).toBe(true);
  });
});

describe('sizes and lengths', () => {
  it('fits an image into a box at its own aspect ratio, never enlarged', () => {
    expect(fitInto(1600, 1000, 360, 280)).toEqual({ width: 360, height: 225 });
    expect(fitInto(100, 400, 360, 280)).toEqual({ width: 70, height: 280 });
    expect(fitInto(50, 40, 360, 280)).toEqual({ width: 50, height: 40 });
  });

  it('counts code points as the API does', () => {
    expect(codePoints('日本語😀')).toBe(4);
  });
});

describe('the language', () => {
  it('follows the browser, with a stored choice first', () => {
    expect(preferredLocale(['ja-JP', 'en-US'], null)).toBe('ja');
    expect(preferredLocale(['fr-FR', 'en-GB'], null)).toBe('en');
    expect(preferredLocale(['de-DE'], null)).toBe('en');
    expect(preferredLocale(['ja-JP'], 'en')).toBe('en');
  });

  it('has the same keys in English and Japanese', () => {
    expect(Object.keys(ja).sort()).toEqual(Object.keys(en).sort());
  });
});
