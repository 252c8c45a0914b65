import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/shared/env.ts';
import {
  type DeployedFunction,
  ourFunctions,
  type PolicyStatement,
  referencedId,
  roleStatements,
  templateJson,
} from './support/assembly.ts';

function mediaBucket() {
  const found = Object.entries(templateJson().Resources).find(
    ([, resource]) => resource.Type === 'AWS::S3::Bucket' && resource.Properties?.CorsConfiguration,
  );
  if (!found) throw new Error('no media bucket');
  return found;
}

function s3Statements(fn: DeployedFunction): PolicyStatement[] {
  return roleStatements(fn).filter((statement) =>
    [statement.Action].flat().some((action) => action.startsWith('s3:')),
  );
}

describe('the media bucket', () => {
  it('expires uploads still tagged pending after one day', () => {
    const lifecycle = mediaBucket()[1].Properties?.LifecycleConfiguration as { Rules: unknown[] } | undefined;
    const rules = lifecycle?.Rules;
    expect(rules).toContainEqual({
      Id: 'ExpirePendingUploads',
      Status: 'Enabled',
      Prefix: 'images/',
      TagFilters: [{ Key: 'upload', Value: 'pending' }],
      ExpirationInDays: 1,
    });
  });
});

describe('uploads from browsers', () => {
  it("are allowed by CORS from the distribution's origin only", () => {
    const [distributionId] = Object.entries(templateJson().Resources).find(
      ([, resource]) => resource.Type === 'AWS::CloudFront::Distribution',
    ) ?? [''];
    const cors = mediaBucket()[1].Properties?.CorsConfiguration as {
      CorsRules: { AllowedOrigins: unknown[] }[];
    };
    expect(cors.CorsRules.map((rule) => rule.AllowedOrigins)).toEqual([
      [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] }],
    ]);
  });
});

describe('media access', () => {
  it('is declared by exactly the functions that start uploads or store messages', () => {
    const withMedia = ourFunctions()
      .filter((fn) => fn.spec.access.includes('media'))
      .map((fn) => fn.spec.id)
      .sort();
    expect(withMedia).toEqual(['CreateUpload', 'PostMessage', 'WsSendMessage']);
  });

  it('grants PutObject, PutObjectTagging and GetObject on images/* of the media bucket, and nothing else in S3', () => {
    const [bucketId] = mediaBucket();
    for (const fn of ourFunctions()) {
      const statements = s3Statements(fn);
      if (!fn.spec.access.includes('media')) {
        expect(statements, fn.spec.id).toEqual([]);
        continue;
      }
      expect(statements, fn.spec.id).toHaveLength(1);
      const [statement] = statements as [PolicyStatement];
      expect([statement.Action].flat().sort()).toEqual([
        's3:GetObject',
        's3:PutObject',
        's3:PutObjectTagging',
      ]);
      const resource = statement.Resource as { 'Fn::Join': [string, unknown[]] };
      expect(resource['Fn::Join'][1]).toHaveLength(2);
      expect(referencedId(resource['Fn::Join'][1][0])).toBe(bucketId);
      expect(resource['Fn::Join'][1][1]).toBe('/images/*');
    }
  });

  it('tells those functions the bucket and the largest upload, 10 MiB by default', () => {
    const [bucketId] = mediaBucket();
    for (const fn of ourFunctions()) {
      const variables = (fn.properties.Environment as { Variables: Record<string, unknown> }).Variables;
      if (!fn.spec.access.includes('media')) {
        expect(variables[ENV.mediaBucket], fn.spec.id).toBeUndefined();
        continue;
      }
      expect(referencedId(variables[ENV.mediaBucket]), fn.spec.id).toBe(bucketId);
      expect(variables[ENV.maxUploadBytes], fn.spec.id).toBe('10485760');
    }
  });
});
