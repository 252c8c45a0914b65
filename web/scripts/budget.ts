/**
 * The first-load budget: the gzipped JavaScript and CSS a browser fetches to show the first screen,
 * read from a built `index.html` (its module script, stylesheets and module preloads).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** At most this many bytes of gzipped JS and CSS on the first load. */
export const firstLoadBudgetBytes = 60 * 1024;

export interface FirstLoad {
  /** Each file the first load fetches, with its gzipped size. */
  readonly files: ReadonlyArray<{ readonly path: string; readonly gzipBytes: number }>;
  readonly totalGzipBytes: number;
}

/** Measures the first load of the app built into `outDir`. */
export async function measureFirstLoad(outDir: string): Promise<FirstLoad> {
  const html = await readFile(join(outDir, 'index.html'), 'utf8');
  const paths = new Set<string>();
  for (const tag of html.match(/<(script|link)\b[^>]*>/g) ?? []) {
    const isScript = tag.startsWith('<script') && /type="module"/.test(tag);
    const isStyle = /rel="stylesheet"/.test(tag);
    const isPreload = /rel="modulepreload"/.test(tag);
    const url = /(?:src|href)="([^"]+)"/.exec(tag)?.[1];
    if (url && (isScript || isStyle || isPreload) && url.startsWith('/')) paths.add(url);
  }
  const files = await Promise.all(
    [...paths].map(async (path) => ({
      path,
      gzipBytes: gzipSync(await readFile(join(outDir, path)), { level: 9 }).length,
    })),
  );
  return { files, totalGzipBytes: files.reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/** One line for people: `first load: 45.1 KB gzipped of 60 KB (…files…)`. */
export function describeFirstLoad(load: FirstLoad): string {
  const kb = (bytes: number) => (bytes / 1024).toFixed(1);
  const parts = load.files.map((file) => `${file.path} ${kb(file.gzipBytes)} KB`).join(', ');
  return `first load: ${kb(load.totalGzipBytes)} KB gzipped of ${kb(firstLoadBudgetBytes)} KB (${parts})`;
}
