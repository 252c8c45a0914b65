import { isVariationSelector } from '#shared/validation';

/**
 * The key two channel names are compared by: equal keys are the same name, so the second is refused.
 *
 * It is Unicode's full case folding of the name's NFKC form, normalized again (NFKC_Casefold without
 * removing default-ignorables, which names may not contain anyway), plus two choices of ours: runs of
 * spaces count as one, and variation selectors (which names may carry, as in `❤️`) are dropped. So
 * `ΣΊΣΥΦΟΣ` = `Σίσυφος`, `STRASSE` = `straße`, `ｇｅｎｅｒａｌ` = `general` and `ﬁle` = `file`, while the
 * Turkish dotless `ı` stays apart from `i`, as Unicode's (non-Turkic) folding defines.
 *
 * JavaScript has no case folding and PostgreSQL 17 only simple case mapping, so the folding is spelled
 * out as steps both can run, and `migrations/0003_channel_name_keys.sql` runs the same steps in SQL
 * (`channel_name_key`), for the rows that existed before it and for anything older code inserts:
 * 1. NFKC (fullwidth forms, ligatures, compatibility characters), then NFD, so that precomposed
 *    letters with a iota subscript or a dot above (`ᾳ`, `İ`) fold like their parts;
 * 2. the full foldings that lowercasing does not give: `ß` and `ẞ` to `ss`, the combining iota
 *    subscript to `ι`, and the nine historic Cyrillic letter variants (U+1C80–U+1C88) to their letters;
 * 3. lowercasing, then the final sigma `ς` to `σ` (folding has no final form);
 * 4. dropping variation selectors, one space for each run of spaces, and NFKC again.
 * A unit test checks the result against upper- then lowercasing for every code point: they differ only
 * where that shortcut is wrong (`ı` would become `i`, `ẞ` would stay `ß`).
 */
export function channelNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/[ßẞ]/gu, 'ss')
    .replace(/\u0345/gu, 'ι')
    .replace(/[\u1C80-\u1C88]/gu, (letter) => cyrillicVariants[letter] ?? letter)
    .toLowerCase()
    .replace(/ς/gu, 'σ')
    .replace(/\p{Variation_Selector}/gu, (selector) =>
      isVariationSelector(selector.codePointAt(0) ?? 0) ? '' : selector,
    )
    .replace(/ {2,}/gu, ' ')
    .normalize('NFKC');
}

/** U+1C80–U+1C88 fold to the ordinary letters they are forms of (CaseFolding.txt). */
const cyrillicVariants: Record<string, string> = {
  '\u1C80': 'в',
  '\u1C81': 'д',
  '\u1C82': 'о',
  '\u1C83': 'с',
  '\u1C84': 'т',
  '\u1C85': 'т',
  '\u1C86': 'ъ',
  '\u1C87': 'ѣ',
  '\u1C88': 'ꙋ',
};
