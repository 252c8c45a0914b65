/**
 * `npm run budget`: builds the web app into a temporary directory, prints what its first load weighs
 * (gzipped JS + CSS) and fails when that is over the budget.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { describeFirstLoad, firstLoadBudgetBytes, measureFirstLoad } from './budget.ts';

const outDir = await mkdtemp(join(tmpdir(), 'hiroba-budget-'));
try {
  await build({
    configFile: fileURLToPath(new URL('../vite.config.ts', import.meta.url)),
    build: { outDir, emptyOutDir: true },
    logLevel: 'warn',
  });
  const load = await measureFirstLoad(outDir);
  console.log(describeFirstLoad(load));
  if (load.totalGzipBytes > firstLoadBudgetBytes) {
    console.error('Over budget.');
    process.exitCode = 1;
  }
} finally {
  await rm(outDir, { recursive: true, force: true });
}
