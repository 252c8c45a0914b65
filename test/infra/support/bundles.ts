import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackName } from '../../../bin/hiroba.ts';
import { assemblyDir } from './assembly.ts';

interface AssetManifest {
  files: Record<string, { source: { path: string; packaging?: string } }>;
}

/** The directory (relative to the assembly) staging the file asset uploaded as `objectKey`. */
export function assetDirectory(objectKey: string): string {
  const manifest = JSON.parse(
    readFileSync(join(assemblyDir(), `${stackName}.assets.json`), 'utf8'),
  ) as AssetManifest;
  const asset = manifest.files[objectKey.replace(/\.zip$/, '')];
  if (!asset) throw new Error(`No asset for object key ${objectKey}`);
  return asset.source.path;
}

/** The directory (relative to the assembly) holding a function's bundle, from the asset manifest. */
export function bundleDirectory(functionProperties: Record<string, unknown>): string {
  const key = (functionProperties.Code as { S3Key?: string } | undefined)?.S3Key;
  if (key === undefined) throw new Error(`No asset for code ${JSON.stringify(functionProperties.Code)}`);
  return assetDirectory(key);
}
