/**
 * `npm run import -- --in file.jsonl [--local | --cluster-arn ... --secret-arn ... --database ...]`:
 * loads an export made by `npm run export` in one transaction, through the RDS Data API. Rows already
 * present are kept as they are, so importing twice changes nothing. See docs/operations.md.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { connect, importLines, parseFlags, targetFrom } from './data-export.ts';

const { flags, rest } = parseFlags(process.argv.slice(2));
const input = flags.get('in') ?? rest[0];
if (typeof input !== 'string' || flags.get('help')) {
  console.error(
    'usage: npm run import -- --in <file.jsonl> [--local | --cluster-arn <arn> --secret-arn <arn> --database <name>]',
  );
  process.exit(2);
}

try {
  const { target, client } = await targetFrom(flags);
  const { db, close } = connect(target, client);
  try {
    const lines = createInterface({ input: createReadStream(input), crlfDelay: Number.POSITIVE_INFINITY });
    const { read, inserted } = await importLines(db, lines);
    const summary = Object.keys(read)
      .map((type) => `${type} ${inserted[type]}/${read[type]}`)
      .join(', ');
    console.log(`imported ${input} (inserted/read): ${summary}`);
  } finally {
    close();
  }
} catch (error) {
  console.error(`import failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
