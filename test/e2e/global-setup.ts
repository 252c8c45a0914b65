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
  await build({
    configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)),
    build: { outDir: webRoot, emptyOutDir: true },
    logLevel: 'warn',
  });
  project.provide('webRoot', webRoot);
  project.provide('template', await synthesizeTemplate());
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
