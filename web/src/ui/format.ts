/** Presentation helpers: times in the viewer's time zone, day grouping, links in plain text. */
import type { Message } from '../api/types.ts';
import type { Catalogue } from '../i18n/en.ts';
import type { Locale } from '../i18n/index.ts';

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}:${JSON.stringify(options)}`;
  let found = formatters.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, found);
  }
  return found;
}

/** `2026-12-02` in the viewer's time zone: the day a message belongs to. */
export function dayKey(iso: string): string {
  const date = new Date(iso);
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

export function formatTime(locale: Locale, iso: string): string {
  return formatter(locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
}

export function formatFull(locale: Locale, iso: string): string {
  return formatter(locale, { dateStyle: 'full', timeStyle: 'short' }).format(new Date(iso));
}

/** "Today", "Yesterday" or the date in full. */
export function formatDay(locale: Locale, t: Catalogue, iso: string, now = new Date()): string {
  const key = dayKey(iso);
  if (key === dayKey(now.toISOString())) return t.today;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (key === dayKey(yesterday.toISOString())) return t.yesterday;
  return formatter(locale, { dateStyle: 'full' }).format(new Date(iso));
}

/** Consecutive messages of one author within five minutes on one day share one header. */
export function startsGroup(previous: Message | undefined, message: Message): boolean {
  if (!previous) return true;
  if (previous.userId !== message.userId) return true;
  if (dayKey(previous.createdAt) !== dayKey(message.createdAt)) return true;
  return Date.parse(message.createdAt) - Date.parse(previous.createdAt) > 5 * 60_000;
}

export type TextPart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'link'; readonly href: string };

const urlPattern = /\bhttps?:\/\/[^\s<>"']+/gi;

/** Splits text into plain parts and links; a link's trailing punctuation stays text. */
export function linkify(content: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of content.matchAll(urlPattern)) {
    let href = match[0];
    const trailing = /[.,;:!?)\]}'"、。）]+$/.exec(href);
    if (trailing) href = href.slice(0, -trailing[0].length);
    const start = match.index;
    if (start > last) parts.push({ kind: 'text', text: content.slice(last, start) });
    parts.push({ kind: 'link', href });
    last = start + href.length;
  }
  if (last < content.length) parts.push({ kind: 'text', text: content.slice(last) });
  return parts;
}

/** Fits `width`×`height` into a box, keeping the aspect ratio; never enlarges. */
export function fitInto(
  width: number,
  height: number,
  maxWidth: number,
  maxHeight: number,
): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: maxWidth, height: Math.round(maxWidth * 0.75) };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Length as the API counts it: Unicode code points. */
export function codePoints(value: string): number {
  let count = 0;
  for (const _ of value) count += 1;
  return count;
}
