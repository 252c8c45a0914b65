/**
 * The CDK app: `cdk synth` / `cdk deploy` run this file (`cdk.json`), and tests and local AWS build the
 * same app in-process through {@link createApp}.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { HirobaStack } from '../lib/hiroba-stack.ts';

/** Name of the one stack. */
export const stackName = 'Hiroba';

/** Options of {@link createApp}. */
export interface CreateAppOptions {
  /**
   * Context on top of `cdk.json`'s (feature flags and settings); the CDK CLI's context wins over both.
   * @default - none
   */
  readonly context?: Record<string, unknown>;
  /**
   * Bundle the functions and build the web app. Off, assets point at their sources (fast, for templates).
   * @default true
   */
  readonly bundling?: boolean;
  /**
   * Run the cdk-nag AwsSolutions and Serverless packs during synthesis.
   * @default true
   */
  readonly nag?: boolean;
  /**
   * Cloud assembly directory.
   * @default - the CLI's, or a temporary directory
   */
  readonly outdir?: string;
}

/** The context in `cdk.json`: feature flags and settings, so an in-process app matches `cdk synth`. */
function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return cdkJson.context ?? {};
}

/** Builds the app and its stack, with the cdk-nag packs registered as validation plugins. */
export function createApp(options: CreateAppOptions = {}): { app: App; stack: HirobaStack } {
  const app = new App({
    ...(options.outdir !== undefined && { outdir: options.outdir }),
    context: {
      ...cdkJsonContext(),
      ...options.context,
      ...(options.bundling === false && { 'aws:cdk:bundling-stacks': [] }),
    },
  });
  const stack = new HirobaStack(app, stackName, {
    description:
      'hiroba: a serverless community chat (CloudFront, API Gateway, Lambda, Aurora, DynamoDB, S3)',
  });
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  }
  return { app, stack };
}

/**
 * Synthesizes the stack without bundling or cdk-nag into a temporary directory, removed afterwards, and
 * returns its CloudFormation template (for local AWS).
 */
export function synthesizeHirobaTemplate(context: Record<string, unknown> = {}): unknown {
  const outdir = mkdtempSync(join(tmpdir(), 'hiroba-synth-'));
  try {
    const { app, stack } = createApp({ context, bundling: false, nag: false, outdir });
    return app.synth().getStackByName(stack.stackName).template;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  createApp().app.synth();
}
