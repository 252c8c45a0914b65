import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { postgreSplitterOptions, splitQuery } from 'dbgate-query-splitter';
import type { Migration } from '#domain/migrations/ports';

/**
 * Reads `*.sql` files from a directory. The Data API runs one statement per call, so each file is split
 * into statements at the semicolons that end them; semicolons inside quotes, dollar-quoted bodies
 * (functions, `do` blocks) and comments do not split. Comments are dropped.
 */
export async function readMigrations(directory: URL): Promise<Migration[]> {
  const names = (await readdir(directory)).filter((name) => name.endsWith('.sql')).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(new URL(name, directory));
      return {
        name,
        checksum: createHash('sha256').update(bytes).digest('hex'),
        statements: splitStatements(bytes.toString('utf8')),
      };
    }),
  );
}

/** Splits a script into single statements, without comments or empty statements. */
export function splitStatements(sql: string): string[] {
  return (splitQuery(sql, { ...postgreSplitterOptions, ignoreComments: true }) as string[])
    .map((statement) => statement.trim())
    .filter((statement) => !onlyComments.test(statement));
}

// The splitter drops comments before a statement but returns a trailing run of comments as if it were one.
const onlyComments = /^(\s*(--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/))*\s*$/;
