import { describe, expect, it } from 'vitest';
import { onlyResource, templateJson } from './support/assembly.ts';

describe('stack outputs', () => {
  it('name the distribution URL and the origin users open', () => {
    const [distributionId] = onlyResource('AWS::CloudFront::Distribution');
    const distributionUrl = {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]],
    };
    expect(templateJson().Outputs?.DistributionUrl?.Value).toEqual(distributionUrl);
    expect(templateJson().Outputs?.AppOrigin?.Value).toEqual(distributionUrl);
  });

  it('name the API ids, the table and the buckets', () => {
    const outputs = templateJson().Outputs ?? {};
    const refs = (type: string) =>
      Object.entries(templateJson().Resources)
        .filter(([, resource]) => resource.Type === type)
        .map(([id]) => ({ Ref: id }));
    expect(refs('AWS::ApiGatewayV2::Api')).toEqual(
      expect.arrayContaining([outputs.HttpApiId?.Value, outputs.WebSocketApiId?.Value]),
    );
    expect(outputs.ConnectionsTableName?.Value).toEqual(refs('AWS::DynamoDB::GlobalTable')[0]);
    expect(refs('AWS::S3::Bucket')).toEqual(
      expect.arrayContaining([outputs.MediaBucketName?.Value, outputs.WebBucketName?.Value]),
    );
    expect(outputs.MediaBucketName?.Value).not.toEqual(outputs.WebBucketName?.Value);
  });
});
