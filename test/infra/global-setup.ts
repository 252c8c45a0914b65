import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { node24, run } from './support/run.ts';

/** One finding of a validation plugin (cdk-nag's packs, CloudFormation validation) that nothing acknowledged. */
export interface ValidationFinding {
  readonly plugin: string;
  readonly rule: string;
  readonly severity: string;
  readonly path: string;
  readonly description: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The cloud assembly synthesized once for the whole infra run, functions bundled, web app built. */
    assemblyDir: string;
    /** Every unacknowledged finding in the assembly's validation report. */
    validationFindings: ValidationFinding[];
  }
}

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity: string;
      description: string;
      violatingConstructs: { constructPath: string }[];
    }[];
  }[];
}

/**
 * Synthesizes the app once per test run, the way `cdk synth` runs it (`node bin/hiroba.ts` on Node 24,
 * CDK_OUTDIR and CDK_CONTEXT_JSON set), into a temporary directory. Findings do not stop synthesis here,
 * so the cdk-nag test can list all of them instead of every test failing on a synth error.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const assemblyDir = await mkdtemp(join(tmpdir(), 'hiroba-cdk-out-'));
  const { code, output } = await run(node24, ['bin/hiroba.ts'], {
    ...process.env,
    CDK_OUTDIR: assemblyDir,
    CDK_CONTEXT_JSON: JSON.stringify({ '@aws-cdk/core:failSynthOnValidationErrors': false }),
  });
  if (code !== 0) {
    await rm(assemblyDir, { recursive: true, force: true });
    throw new Error(`Synthesis failed (exit ${code}):\n${output}`);
  }

  // Written whenever a validation plugin ran: its absence means cdk-nag was not registered, a failure.
  const report = JSON.parse(
    await readFile(join(assemblyDir, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  const findings = report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        severity: violation.severity,
        path: construct.constructPath,
        description: violation.description,
      })),
    ),
  );

  project.provide('assemblyDir', assemblyDir);
  project.provide('validationFindings', findings);
  return async () => {
    await rm(assemblyDir, { recursive: true, force: true });
  };
}
