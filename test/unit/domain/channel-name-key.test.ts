import { describe, expect, it } from 'vitest';
import { channelNameKey } from '#domain/channels/channel-name-key';

describe('channelNameKey', () => {
  it.each([
    ['Greek with a final sigma', 'ΣΊΣΥΦΟΣ', 'Σίσυφος'],
    ['a sharp s and its capital', 'STRASSE', 'straße'],
    ['a capital sharp s', 'GROẞE', 'große'],
    ['fullwidth letters', 'ｇｅｎｅｒａｌ', 'general'],
    ['ligatures', 'ﬁle ﬂow', 'file flow'],
    ['a letter with an iota subscript', 'ᾈδης', 'ἀιδης'],
    ['a precomposed and a combining accent', 'caf\u00e9', 'cafe\u0301'],
    ['the Kelvin and Ohm signs', '\u212a \u2126', 'k ω'],
    ['circled and superscript digits', '①²', '12'],
    ['a no-break or ideographic space', 'a\u00a0b\u3000c', 'a b c'],
    ['runs of spaces', 'a   b', 'a b'],
    ['an emoji with and without its presentation selector', '❤️ fans', '❤ fans'],
    ['a titlecase digraph', 'ǅemal', 'ǆemal'],
    ['Cherokee in both cases', '\u13a0', '\uab70'],
    ['a historic Cyrillic letter variant', '\u1c80', 'в'],
  ])('gives %s one key', (_, one, other) => {
    expect(channelNameKey(one)).toBe(channelNameKey(other));
  });

  it.each([
    ['the dotless i and i, as Unicode folding keeps them apart', 'ı', 'i'],
    ['the dotted capital I and I', 'İ', 'I'],
    ['different letters', 'general', 'generals'],
    ['a hyphen and an underscore', 'a-b', 'a_b'],
  ])('keeps %s apart', (_, one, other) => {
    expect(channelNameKey(one)).not.toBe(channelNameKey(other));
  });

  it('folds a name to lower case, its final sigma to σ and ß to ss', () => {
    expect(channelNameKey('ΣΊΣΥΦΟΣ')).toBe('σίσυφοσ');
    expect(channelNameKey('Straße')).toBe('strasse');
    expect(channelNameKey('General')).toBe('general');
  });

  it('agrees with upper- then lowercasing on every code point but those that shortcut gets wrong', () => {
    // Upper- then lowercasing is full case folding for all but a handful of code points; where they
    // differ, Unicode's CaseFolding.txt sides with channelNameKey.
    const differing: string[] = [];
    for (let codePoint = 0; codePoint < 0x110000; codePoint++) {
      if (codePoint >= 0xd800 && codePoint <= 0xdfff) continue;
      const character = String.fromCodePoint(codePoint);
      const shortcut = character
        .normalize('NFKC')
        .toUpperCase()
        .toLowerCase()
        .replace(/ς/gu, 'σ')
        .replace(/[\ufe00-\ufe0f]/gu, '')
        .replace(/[\u{e0100}-\u{e01ef}]/gu, '')
        .normalize('NFKC');
      if (channelNameKey(character) !== shortcut) differing.push(codePoint.toString(16));
    }
    // ı (and its mathematical italic 𝚤) stays ı; ẞ folds to ss.
    expect(differing).toEqual(['131', '1e9e', '1d6a4']);
  });
});
