import { describe, expect, it } from 'vitest';
import { verdict } from '../../../scripts/audit.ts';

const counts = (high: number, critical: number) => ({
  info: 0,
  low: 2,
  moderate: 1,
  high,
  critical,
  total: 3 + high + critical,
});

describe('npm audit verdict', () => {
  it('passes with only low and moderate advisories', () => {
    expect(verdict({ metadata: { vulnerabilities: counts(0, 0) } })).toMatchObject({ kind: 'passed' });
  });

  it('fails on a high or a critical advisory', () => {
    expect(verdict({ metadata: { vulnerabilities: counts(1, 0) } })).toMatchObject({ kind: 'failed' });
    expect(verdict({ metadata: { vulnerabilities: counts(0, 1) } })).toMatchObject({ kind: 'failed' });
  });

  it('reports a registry that cannot audit as unchecked, with its answer', () => {
    const answer = {
      statusCode: 405,
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      error: {},
    };
    expect(verdict(answer)).toEqual({ kind: 'unchecked', reason: answer.message });
  });
});
