// A lexical pass over a statement, just deep enough to find what the Data API cares about: `:name`
// placeholders, positional `$1` references and statement separators, while skipping string literals, quoted
// identifiers, comments, `::` casts and dollar-quoted bodies, where none of them count.

/** A `:name` placeholder, with its [start, end) offsets in the statement. */
export interface Placeholder {
  name: string;
  start: number;
  end: number;
}

/** What {@link scanSql} found. */
export interface ScannedSql {
  placeholders: Placeholder[];
  /** The first positional reference (`$1`), which the Data API does not bind. */
  positional?: { text: string; start: number };
  /** True when something other than whitespace or comments follows a `;`. */
  multipleStatements: boolean;
}

/** A piece of the statement to replace, by [start, end) offsets. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

/** A statement after replacements, able to map PostgreSQL's error positions back to the original. */
export interface RewrittenSql {
  text: string;
  /** Maps a 1-based character position in `text` to the matching one in the original statement. */
  originalPosition(position: number): number;
}

const IDENTIFIER_CHAR = /[\p{L}\p{N}_$]/u;
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const POSITIONAL = /\$\d+/y;
const DOLLAR_TAG = /\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/y;

/** Finds placeholders, positional references and extra statements in `sql`. */
export function scanSql(sql: string): ScannedSql {
  const placeholders: Placeholder[] = [];
  let positional: ScannedSql['positional'];
  let terminated = false;
  let multipleStatements = false;
  let i = 0;

  while (i < sql.length) {
    const char = sql.charAt(i);
    const next = sql.charAt(i + 1);
    if (char === '-' && next === '-') {
      i = lineEnd(sql, i);
      continue;
    }
    if (char === '/' && next === '*') {
      i = blockCommentEnd(sql, i);
      continue;
    }
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    if (terminated && char !== ';') multipleStatements = true;

    if (char === "'") {
      i = quotedEnd(sql, i, "'", isEscapeString(sql, i));
    } else if (char === '"') {
      i = quotedEnd(sql, i, '"', false);
    } else if (char === '$' && !IDENTIFIER_CHAR.test(sql.charAt(i - 1))) {
      const reference = match(POSITIONAL, sql, i);
      const tag = match(DOLLAR_TAG, sql, i);
      if (reference) {
        positional ??= { text: reference, start: i };
        i += reference.length;
      } else if (tag) {
        const close = sql.indexOf(tag, i + tag.length);
        i = close < 0 ? sql.length : close + tag.length;
      } else {
        i++;
      }
    } else if (char === ':' && next === ':') {
      i += 2;
    } else if (char === ':') {
      const name = match(NAME, sql, i + 1);
      if (name) placeholders.push({ name, start: i, end: i + 1 + name.length });
      i += 1 + (name?.length ?? 0);
    } else {
      if (char === ';') terminated = true;
      i++;
    }
  }
  return { placeholders, positional, multipleStatements };
}

/** Applies non-overlapping replacements, sorted by offset. */
export function rewriteSql(sql: string, replacements: Replacement[]): RewrittenSql {
  let text = '';
  let copied = 0;
  for (const { start, end, text: replacement } of replacements) {
    text += sql.slice(copied, start) + replacement;
    copied = end;
  }
  text += sql.slice(copied);

  return {
    text,
    originalPosition(position) {
      const index = position - 1;
      let shift = 0;
      for (const { start, end, text: replacement } of replacements) {
        const rewrittenStart = start + shift;
        if (index < rewrittenStart) break;
        // A position inside a replacement points at the placeholder it replaced.
        if (index < rewrittenStart + replacement.length) return start + 1;
        shift += replacement.length - (end - start);
      }
      return index - shift + 1;
    },
  };
}

function match(pattern: RegExp, sql: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(sql)?.[0];
}

function lineEnd(sql: string, from: number): number {
  const newline = sql.indexOf('\n', from);
  return newline < 0 ? sql.length : newline + 1;
}

/** PostgreSQL block comments nest. */
function blockCommentEnd(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}

/** An `E'...'` literal, where backslash escapes the next character. */
function isEscapeString(sql: string, quote: number): boolean {
  return /[eE]/.test(sql.charAt(quote - 1)) && !IDENTIFIER_CHAR.test(sql.charAt(quote - 2));
}

/** End of a literal or quoted identifier; a doubled quote is an escaped quote. */
function quotedEnd(sql: string, open: number, quote: string, backslashEscapes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const char = sql.charAt(i);
    if (backslashEscapes && char === '\\') {
      i += 2;
    } else if (char === quote && sql.charAt(i + 1) === quote) {
      i += 2;
    } else if (char === quote) {
      return i + 1;
    } else {
      i++;
    }
  }
  return sql.length;
}
