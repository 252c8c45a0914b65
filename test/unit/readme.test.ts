import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { contextKeys, contextSettings } from '../../lib/config.ts';

describe('the README', () => {
  it('documents every CDK context key with its default', async () => {
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

    for (const key of contextKeys) {
      const fallback = contextSettings[key].default;
      const shown = fallback === undefined ? '—' : `\`${String(fallback)}\``;
      expect(readme).toContain(`| \`${key}\` | ${shown} |`);
    }
  });
});
