import { describe, expect, inject, it } from 'vitest';

describe('cdk-nag', () => {
  it('leaves no unacknowledged AwsSolutions or Serverless finding (nor any other validation finding)', () => {
    const findings = inject('validationFindings').map(
      (finding) => `${finding.severity} ${finding.rule} at ${finding.path}: ${finding.description}`,
    );
    expect(findings).toEqual([]);
  });
});
