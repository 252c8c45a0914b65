import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CustomResource, Validations } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { synthesizedAtProperty } from '../../functions/shared/deployments.ts';
import { migrateFunction } from '../api-routes.ts';
import type { LogLevel } from '../config.ts';
import { expiringLogGroup } from './common.ts';
import { type DatabaseTarget, HirobaFunction, projectRoot } from './function.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** The `*.sql` files in `directory`, in the order they apply (by name). */
export function migrationFiles(directory: string): string[] {
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith('.sql'))
    .sort();
}

/**
 * A digest of every migration's name and contents, a property of the custom resource: `cdk diff` shows
 * when a deploy brings new migrations.
 */
export function migrationsHash(directory: string): string {
  const hash = createHash('sha256');
  for (const name of migrationFiles(directory)) {
    hash.update(`${name}\0`);
    hash.update(readFileSync(path.join(directory, name)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Props of {@link Migrations}. */
export interface MigrationsProps {
  /** The cluster to migrate; the custom resource waits until all of it (writer included) is created. */
  readonly database: DatabaseTarget;
  /**
   * Directory of the SQL migrations.
   * @default `<project root>/migrations`
   */
  readonly migrationsDirectory?: string;
  /**
   * Log level of the Migrate function.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * Retention of the function's and the provider's log groups.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
}

/**
 * Applies `migrations/*.sql` through the Data API on every deployment: a custom resource (CDK `Provider`
 * framework) around the `Migrate` function, whose bundle carries the SQL files in `migrations/` next to
 * `index.mjs`. A run applies what is pending and checks that nothing applied was edited or removed, so
 * a replaced or restored cluster gets its schema on the next deploy. A rollback (an Update carrying an
 * older synthesis time) changes nothing.
 */
export class Migrations extends Construct {
  /** The Migrate function. */
  public readonly function: HirobaFunction;
  /** The custom resource; its `SynthesizedAt` property changes on every deploy. */
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, props: MigrationsProps) {
    super(scope, id);
    const directory = props.migrationsDirectory ?? path.join(projectRoot, 'migrations');
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.function = new HirobaFunction(this, `${migrateFunction.id}Function`, {
      spec: migrateFunction,
      resources: { database: props.database },
      logLevel: props.logLevel,
      logRetention,
      afterBundling: (_inputDir, outputDir) => [copySqlFiles(directory, path.join(outputDir, 'migrations'))],
    });

    const provider = new Provider(this, 'Provider', {
      onEventHandler: this.function.function,
      logGroup: expiringLogGroup(this, 'ProviderLogs', logRetention),
    });
    acknowledgeProviderFramework(provider, this.function.function.functionArn);

    this.resource = new CustomResource(this, 'SchemaMigrations', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::HirobaMigrations',
      properties: {
        MigrationsHash: migrationsHash(directory),
        // Changes on every synthesis, so CloudFormation sends an Update on every deploy.
        [synthesizedAtProperty]: new Date().toISOString(),
      },
    });
    // Depending on the cluster construct waits for every resource in it, the writer instance included.
    this.resource.node.addDependency(props.database.cluster);
  }
}

/** A shell command that copies the `*.sql` files (and only those) into `target`, even when there are none. */
function copySqlFiles(source: string, target: string): string {
  const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;
  return (
    `mkdir -p ${quote(target)} && ` +
    `if [ -d ${quote(source)} ]; then find ${quote(source)} -maxdepth 1 -type f -name '*.sql' ` +
    `-exec cp {} ${quote(target)} \\; ; fi`
  );
}

/**
 * The provider framework's onEvent function is CDK's own code (runtime, role and logging chosen by
 * aws-cdk-lib); it only relays CloudFormation events to the Migrate function during deployments.
 */
function acknowledgeProviderFramework(provider: Provider, migrateFunctionArn: string): void {
  const framework = provider.node.findChild('framework-onEvent');
  const reasons: Record<string, string> = {
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
      "The provider framework's role is created by aws-cdk-lib; it runs only during deployments.",
    'Serverless-LambdaDLQ': 'Invoked synchronously by CloudFormation during deployments only.',
    'Serverless-LambdaDefaultMemorySize':
      "The provider framework's memory is chosen by aws-cdk-lib; it only relays one event per deployment.",
    'Serverless-LambdaTracing':
      'The framework only relays deployment events; the Migrate function is traced.',
  };
  for (const [id, reason] of Object.entries(reasons)) Validations.of(framework).acknowledge({ id, reason });
  acknowledgeWildcardResource(
    framework,
    `${migrateFunctionArn}:*`,
    'The framework may invoke any version or alias of the Migrate function, and nothing else.',
  );
}
