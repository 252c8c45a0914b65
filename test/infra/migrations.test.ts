import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { migrateFunction } from '../../lib/api-routes.ts';
import { projectRoot } from '../../lib/constructs/function.ts';
import { migrationFiles, migrationsHash } from '../../lib/constructs/migrations.ts';
import {
  assemblyDir,
  onlyResource,
  ourFunctions,
  referencedId,
  template,
  templateJson,
} from './support/assembly.ts';
import { bundleDirectory } from './support/bundles.ts';

const migrationsDirectory = join(projectRoot, 'migrations');

describe('migrations custom resource', () => {
  it('carries a hash of migrations/*.sql and its synthesis time, so every deploy runs it', () => {
    template().hasResourceProperties('Custom::HirobaMigrations', {
      MigrationsHash: migrationsHash(migrationsDirectory),
    });
    const [, resource] = onlyResource('Custom::HirobaMigrations');
    const synthesizedAt = String(resource.Properties?.SynthesizedAt);
    expect(synthesizedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    // The template is synthesized once per test run, minutes before this test at most.
    expect(Date.now() - Date.parse(synthesizedAt)).toBeLessThan(60 * 60_000);
  });

  it('is served by the provider framework around the Migrate function', () => {
    const [, resource] = onlyResource('Custom::HirobaMigrations');
    const frameworkId = referencedId(resource.Properties?.ServiceToken) ?? '';
    const migrate = ourFunctions().find((fn) => fn.spec.id === migrateFunction.id);
    const environment = templateJson().Resources[frameworkId]?.Properties?.Environment ?? {};
    const variables = (environment as { Variables?: Record<string, unknown> }).Variables ?? {};
    expect(variables.USER_ON_EVENT_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [migrate?.logicalId, 'Arn'] });
  });

  it('waits for the cluster and its writer instance', () => {
    const [clusterId] = onlyResource('AWS::RDS::DBCluster');
    const [instanceId] = onlyResource('AWS::RDS::DBInstance');
    template().hasResource('Custom::HirobaMigrations', {
      DependsOn: Match.arrayWith([clusterId, instanceId]),
    });
  });

  it('ships every migration next to the Migrate bundle, and nothing else there', () => {
    const migrate = ourFunctions().find((fn) => fn.spec.id === migrateFunction.id);
    const bundled = join(assemblyDir(), bundleDirectory(migrate?.properties ?? {}), 'migrations');
    expect(readdirSync(bundled).sort()).toEqual(migrationFiles(migrationsDirectory));
    for (const name of migrationFiles(migrationsDirectory)) {
      expect(readFileSync(join(bundled, name), 'utf8'), name).toBe(
        readFileSync(join(migrationsDirectory, name), 'utf8'),
      );
    }
  });
});

describe('migrationsHash', () => {
  it('changes when a migration changes', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hiroba-migrations-'));
    try {
      await writeFile(join(directory, '0001_a.sql'), 'create table a (id int);');
      const before = migrationsHash(directory);
      await writeFile(join(directory, '0001_a.sql'), 'create table a (id bigint);');
      expect(migrationsHash(directory)).not.toBe(before);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it('ignores files that are not SQL', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'hiroba-migrations-'));
    try {
      await writeFile(join(directory, '0001_a.sql'), 'create table a (id int);');
      const before = migrationsHash(directory);
      await writeFile(join(directory, 'README.md'), 'notes');
      expect(migrationsHash(directory)).toBe(before);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
