/**
 * The UI language: English or Japanese, from a stored choice or else the browser's languages. Every
 * string the UI shows comes from `en.ts` or `ja.ts`.
 */
import { computed, signal } from '@preact/signals';
import { type Catalogue, en } from './en.ts';
import { ja } from './ja.ts';

export type Locale = 'en' | 'ja';

const catalogues: Record<Locale, Catalogue> = { en, ja };
const storageKey = 'hiroba.locale';

/** The locale a browser asks for: Japanese when its first Japanese-or-English preference is Japanese. */
export function preferredLocale(languages: readonly string[], stored: string | null): Locale {
  if (stored === 'en' || stored === 'ja') return stored;
  for (const language of languages) {
    const primary = language.toLowerCase().split('-')[0];
    if (primary === 'ja') return 'ja';
    if (primary === 'en') return 'en';
  }
  return 'en';
}

function readStored(): string | null {
  try {
    return localStorage.getItem(storageKey);
  } catch {
    return null;
  }
}

export const locale = signal<Locale>(
  preferredLocale(typeof navigator === 'undefined' ? [] : navigator.languages, readStored()),
);

/** The current catalogue. */
export const text = computed<Catalogue>(() => catalogues[locale.value]);

/** Switches the language and remembers the choice. */
export function setLocale(next: Locale): void {
  locale.value = next;
  try {
    localStorage.setItem(storageKey, next);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
}
