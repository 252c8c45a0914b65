import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { type CloudFormationTemplate, synthesizeTemplate } from '#local/template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stack's template, synthesized once per run. */
    template: CloudFormationTemplate;
    /** The web app, built once per run with the production Vite config. */
    webRoot: string;
  }
}

/** Builds the web app as `npm start` and the stack do, and synthesizes the stack, once for every file. */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(join(tmpdir(), 'hiroba-e2e-web-'));
  const webRoot = join(root, 'web');
  // Vitest sets NODE_ENV=test, which Vite would keep, building libraries' development code: build
  // exactly what `npm start` and the stack build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)),
      build: { outDir: webRoot, emptyOutDir: true },
      logLevel: 'warn',
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  project.provide('webRoot', webRoot);
  project.provide('template', await synthesizeTemplate());
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
