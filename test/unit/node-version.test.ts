import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('the Node.js version', () => {
  it('is one major everywhere: .node-version, the pinned node package, the Lambda runtime and the tests', () => {
    const major = read('.node-version').trim();
    const pinned = JSON.parse(read('package.json')).devDependencies.node as string;
    expect(pinned).toMatch(new RegExp(`^\\^${major}\\.`));
    expect(read('lib/constructs/function.ts')).toContain(`Runtime.NODEJS_${major}_X`);
    expect(process.versions.node.split('.')[0]).toBe(major);
  });
});
