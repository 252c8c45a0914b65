import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The stack builds this app during synthesis (`vite build --outDir <asset dir>`), so the config stays
// independent of the working directory.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Source maps stay out of the bundle the browser loads; the budget counts what users download.
    sourcemap: false,
  },
});
