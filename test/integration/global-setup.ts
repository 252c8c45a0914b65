import type { TestProject } from 'vitest/node';
import { type CloudFormationTemplate, synthesizeTemplate } from '#local/template';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The stack's template, synthesized once for every local AWS the integration tests start. */
    template: CloudFormationTemplate;
  }
}

/** Synthesizing the stack takes seconds: do it once per run, not once per test file. */
export default async function setup(project: TestProject) {
  project.provide('template', await synthesizeTemplate());
}
