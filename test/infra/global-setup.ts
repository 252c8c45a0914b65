import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

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

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const node24 = join(projectRoot, 'node_modules', '.bin', 'node');

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

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
