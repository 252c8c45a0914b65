/**
 * `npm run export -- --out file.jsonl [--local | --cluster-arn ... --secret-arn ... --database ...]
 * [--without-api-keys]`: writes hiroba's users, channels, members, messages, uploads and API key hashes
 * as JSON Lines, through the RDS Data API. See docs/operations.md.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { connect, exportLines, parseFlags, targetFrom } from './data-export.ts';

const { flags } = parseFlags(process.argv.slice(2));
const out = flags.get('out');
if (typeof out !== 'string' || flags.get('help')) {
  console.error(
    'usage: npm run export -- --out <file.jsonl> [--local | --cluster-arn <arn> --secret-arn <arn> --database <name>] [--without-api-keys]',
  );
  process.exit(2);
}

try {
  const { target, client } = await targetFrom(flags);
  const { db, close } = connect(target, client);
  const file = createWriteStream(out);
  const counts = new Map<string, number>();
  try {
    for await (const line of exportLines(db, { withoutApiKeys: flags.get('without-api-keys') === true })) {
      const type = /^\{"type":"([a-z_]+)"/.exec(line)?.[1] ?? '?';
      counts.set(type, (counts.get(type) ?? 0) + 1);
      if (!file.write(`${line}\n`)) await once(file, 'drain');
    }
  } finally {
    file.end();
    await finished(file);
    close();
  }
  counts.delete('header');
  const summary = [...counts].map(([type, count]) => `${count} ${type}`).join(', ');
  console.log(`exported to ${out}: ${summary || 'no rows'}`);
} catch (error) {
  console.error(`export failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
