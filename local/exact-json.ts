/**
 * JSON as AWS services read and write it: numbers are exact. `JSON.parse` rounds an integer beyond 2^53
 * to the nearest double, so a Data API `longValue` of 2^63-1 would silently become 2^63; these keep such
 * integers as `bigint` on the way in and write their digits unchanged on the way out.
 */

/** Parses `text`, turning every integer a double cannot hold exactly into a `bigint`. */
export function parseExactJson(text: string): unknown {
  return JSON.parse(text, exactIntegers as Parameters<typeof JSON.parse>[1]);
}

/** Serializes `value`, writing each `bigint` as a JSON number with all its digits. */
export function stringifyExactJson(value: unknown): string | undefined {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? rawJson(item.toString()) : item,
  );
}

/** A number as a double when that is exact, else as a `bigint`: what an integer column holds. */
export function exactInteger(digits: string): number | bigint {
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : BigInt(digits);
}

// The reviver's third argument and `JSON.rawJSON` (Node.js 21+) are newer than TypeScript's ES2024 lib.
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  const source = context?.source;
  if (typeof value !== 'number' || Number.isSafeInteger(value) || source === undefined) return value;
  return /^-?\d+$/.test(source) ? BigInt(source) : value;
}

const rawJson = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;
