import { runInNewContext } from 'node:vm';
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { maxApiBodyBytes } from '../../functions/shared/api-body-limit.ts';
import { contentSecurityPolicy } from '../../lib/content-security-policy.ts';
import { onlyResource, referencedId, template, templateJson, webDeployments } from './support/assembly.ts';

const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const allViewerExceptHostHeader = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface Behavior {
  PathPattern?: string;
  TargetOriginId: string;
  ViewerProtocolPolicy: string;
  AllowedMethods?: string[];
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  ResponseHeadersPolicyId?: unknown;
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}

interface DistributionConfig {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: {
    Id: string;
    DomainName: unknown;
    OriginAccessControlId?: unknown;
    CustomOriginConfig?: unknown;
  }[];
  CustomErrorResponses?: unknown;
  DefaultRootObject?: string;
}

function distributionConfig(): DistributionConfig {
  return onlyResource('AWS::CloudFront::Distribution')[1].Properties
    ?.DistributionConfig as DistributionConfig;
}

function behavior(pathPattern: string): Behavior {
  const found = distributionConfig().CacheBehaviors.find(
    (candidate) => candidate.PathPattern === pathPattern,
  );
  if (!found) throw new Error(`No behaviour for ${pathPattern}`);
  return found;
}

function originOf(behavior: Behavior) {
  const origin = distributionConfig().Origins.find((candidate) => candidate.Id === behavior.TargetOriginId);
  if (!origin) throw new Error(`No origin ${behavior.TargetOriginId}`);
  return origin;
}

function bucketId(purpose: 'Media' | 'Web'): string {
  const id = Object.keys(templateJson().Resources).find(
    (candidate) =>
      templateJson().Resources[candidate]?.Type === 'AWS::S3::Bucket' &&
      candidate.startsWith(purpose === 'Media' ? 'MediaMediaBucket' : 'WebWebBucket'),
  );
  if (!id) throw new Error(`No ${purpose} bucket`);
  return id;
}

/** The origin access control named `hiroba-<purpose>-<stack uuid>`. */
function originAccessControlId(purpose: 'media' | 'web'): string {
  const id = Object.keys(templateJson().Resources).find((candidate) => {
    const resource = templateJson().Resources[candidate];
    return (
      resource?.Type === 'AWS::CloudFront::OriginAccessControl' &&
      JSON.stringify(resource.Properties).includes(`"hiroba-${purpose}-"`)
    );
  });
  if (!id) throw new Error(`No origin access control for ${purpose}`);
  return id;
}

/** The CloudFront Function whose comment starts with `comment`: its logical id and its code. */
function cloudFrontFunction(comment: string): [string, string] {
  const found = Object.entries(templateJson().Resources).find(
    ([, resource]) =>
      resource.Type === 'AWS::CloudFront::Function' &&
      String((resource.Properties?.FunctionConfig as { Comment?: string } | undefined)?.Comment).startsWith(
        comment,
      ),
  );
  if (!found) throw new Error(`No CloudFront Function "${comment}…"`);
  return [found[0], found[1].Properties?.FunctionCode as string];
}

/** Runs the SPA fallback's code on a viewer request for `uri`. */
function spaFallback(uri: string): { uri?: string; statusCode?: number } {
  const [, code] = cloudFrontFunction('Serves index.html');
  return runInNewContext(`${code}\nhandler({ request: { uri: ${JSON.stringify(uri)} } });`) as {
    uri?: string;
    statusCode?: number;
  };
}

describe('distribution behaviours', () => {
  it('has exactly /api/*, /ws and /images/* besides the default', () => {
    expect(
      distributionConfig()
        .CacheBehaviors.map((candidate) => candidate.PathPattern)
        .sort(),
    ).toEqual(['/api/*', '/images/*', '/ws']);
  });

  it('serves the web bucket by default, through origin access control', () => {
    const origin = originOf(distributionConfig().DefaultCacheBehavior);
    expect(origin.DomainName).toEqual({ 'Fn::GetAtt': [bucketId('Web'), 'RegionalDomainName'] });
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [originAccessControlId('web'), 'Id'] });
  });

  it('serves /images/* from the media bucket, through origin access control', () => {
    const origin = originOf(behavior('/images/*'));
    expect(JSON.stringify(origin.DomainName)).toContain('hiroba-media-');
    expect(origin.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [originAccessControlId('media'), 'Id'] });
  });

  it('names every account-wide CloudFront resource from the stack id, so stacks in other regions coexist', () => {
    const stackUuid = { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] };
    const named = (type: string, path: string[]) =>
      Object.values(templateJson().Resources)
        .filter((resource) => resource.Type === type)
        .map((resource) => path.reduce<any>((value, key) => value?.[key], resource.Properties));
    expect(named('AWS::CloudFront::OriginRequestPolicy', ['OriginRequestPolicyConfig', 'Name'])).toEqual([
      { 'Fn::Join': ['', ['hiroba-ws-', stackUuid]] },
    ]);
    expect(named('AWS::CloudFront::ResponseHeadersPolicy', ['ResponseHeadersPolicyConfig', 'Name'])).toEqual([
      { 'Fn::Join': ['', ['hiroba-security-headers-', stackUuid]] },
    ]);
    expect(named('AWS::CloudFront::CachePolicy', ['CachePolicyConfig', 'Name'])).toEqual([
      { 'Fn::Join': ['', ['hiroba-web-', stackUuid]] },
    ]);
    expect(
      named('AWS::CloudFront::OriginAccessControl', ['OriginAccessControlConfig', 'Name']).sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      ),
    ).toEqual([
      { 'Fn::Join': ['', ['hiroba-media-', stackUuid]] },
      { 'Fn::Join': ['', ['hiroba-web-', stackUuid]] },
    ]);
  });

  it('sends /api/* to the HTTP API uncached, with every viewer header but Host, all methods', () => {
    const api = behavior('/api/*');
    expect(api).toMatchObject({
      CachePolicyId: cachingDisabled,
      OriginRequestPolicyId: allViewerExceptHostHeader,
      AllowedMethods: expect.arrayContaining(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']),
    });
    expect(JSON.stringify(originOf(api).DomainName)).toMatch(/"Ref":"HttpApi[0-9A-F]+"},".execute-api."/);
  });

  it('sends /ws to the WebSocket API uncached', () => {
    const ws = behavior('/ws');
    expect(ws.CachePolicyId).toBe(cachingDisabled);
    expect(JSON.stringify(originOf(ws).DomainName)).toMatch(/"Ref":"WebSocketApi[0-9A-F]+"},".execute-api."/);
  });

  it('forwards the token query string and the WebSocket handshake headers on /ws, and not Host', () => {
    const policyId = referencedId(behavior('/ws').OriginRequestPolicyId);
    expect(templateJson().Resources[policyId ?? '']?.Type).toBe('AWS::CloudFront::OriginRequestPolicy');
    template().hasResourceProperties('AWS::CloudFront::OriginRequestPolicy', {
      OriginRequestPolicyConfig: Match.objectLike({
        QueryStringsConfig: { QueryStringBehavior: 'all' },
        HeadersConfig: {
          HeaderBehavior: 'whitelist',
          Headers: [
            'Sec-WebSocket-Key',
            'Sec-WebSocket-Version',
            'Sec-WebSocket-Protocol',
            'Sec-WebSocket-Extensions',
          ],
        },
      }),
    });
  });

  it('reaches the API origins over HTTPS with TLS 1.2 only', () => {
    for (const pathPattern of ['/api/*', '/ws']) {
      expect(originOf(behavior(pathPattern)).CustomOriginConfig).toEqual({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
    }
  });

  it('redirects plain HTTP for pages and images and refuses it for the APIs', () => {
    expect(distributionConfig().DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behavior('/images/*').ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(behavior('/api/*').ViewerProtocolPolicy).toBe('https-only');
    expect(behavior('/ws').ViewerProtocolPolicy).toBe('https-only');
  });

  it('adds the security headers policy to every behaviour', () => {
    const [policyId] = onlyResource('AWS::CloudFront::ResponseHeadersPolicy');
    for (const candidate of [
      distributionConfig().DefaultCacheBehavior,
      ...distributionConfig().CacheBehaviors,
    ]) {
      expect(candidate.ResponseHeadersPolicyId, candidate.PathPattern ?? 'default').toEqual({
        Ref: policyId,
      });
    }
  });

  it('has no distribution-wide error responses, which would turn API 404s into index.html', () => {
    expect(distributionConfig().CustomErrorResponses).toBeUndefined();
  });

  it('runs the SPA fallback function on the default behaviour only', () => {
    const [functionId] = cloudFrontFunction('Serves index.html');
    expect(distributionConfig().DefaultCacheBehavior.FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
    for (const candidate of distributionConfig().CacheBehaviors) {
      if (candidate.PathPattern === '/api/*') continue;
      expect(candidate.FunctionAssociations, candidate.PathPattern).toBeUndefined();
    }
  });

  it('runs the body limit function on /api/* viewer requests only', () => {
    const [functionId] = cloudFrontFunction('Refuses API request bodies');
    expect(behavior('/api/*').FunctionAssociations).toEqual([
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } },
    ]);
  });
});

describe('SPA fallback function', () => {
  it('serves index.html for client-side routes', () => {
    expect(spaFallback('/').uri).toBe('/index.html');
    expect(spaFallback('/channels/general').uri).toBe('/index.html');
  });

  it('leaves files alone', () => {
    expect(spaFallback('/assets/index-D8_9qhpa.js').uri).toBe('/assets/index-D8_9qhpa.js');
    expect(spaFallback('/favicon.ico').uri).toBe('/favicon.ico');
  });

  it('answers 404 for the local-only /local/* helpers', () => {
    expect(spaFallback('/local/token').statusCode).toBe(404);
  });

  it('runs on the cloudfront-js-2.0 runtime', () => {
    template().hasResourceProperties('AWS::CloudFront::Function', {
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
  });
});

describe('API body limit function', () => {
  type Answer = { statusCode?: number; headers?: Record<string, { value: string }>; body?: { data: string } };
  const run = (headers: Record<string, { value: string }>): Answer => {
    const [, code] = cloudFrontFunction('Refuses API request bodies');
    const event = { request: { method: 'POST', uri: '/api/channels', headers } };
    return runInNewContext(`${code}\nhandler(${JSON.stringify(event)});`) as Answer;
  };

  it("answers the contract's 413 too_large when Content-Length is over the limit", () => {
    const answer = run({ 'content-length': { value: String(maxApiBodyBytes + 1) } });
    expect(answer.statusCode).toBe(413);
    expect(answer.headers?.['content-type']?.value).toBe('application/json');
    expect(JSON.parse(answer.body?.data ?? '')).toEqual({
      error: { code: 'too_large', message: expect.stringContaining(String(maxApiBodyBytes)) },
    });
  });

  it('refuses a Content-Length that is not a number', () => {
    expect(run({ 'content-length': { value: '1e9' } }).statusCode).toBe(413);
  });

  it('passes a body at the limit, and one without Content-Length, on to the API', () => {
    expect(run({ 'content-length': { value: String(maxApiBodyBytes) } }).statusCode).toBeUndefined();
    expect(run({}).statusCode).toBeUndefined();
  });

  it('runs on the cloudfront-js-2.0 runtime', () => {
    const [functionId] = cloudFrontFunction('Refuses API request bodies');
    expect(templateJson().Resources[functionId]?.Properties?.FunctionConfig).toMatchObject({
      Runtime: 'cloudfront-js-2.0',
    });
  });
});

describe('security headers', () => {
  it('sets HSTS for two years, nosniff, DENY framing and a strict referrer policy', () => {
    template().hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: {
            AccessControlMaxAgeSec: 63_072_000,
            IncludeSubdomains: true,
            Override: true,
          },
          ContentTypeOptions: { Override: true },
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
        }),
      }),
    });
  });

  it("lets the app exchange its sign-in code at the user pool's domain", () => {
    const [, policy] = onlyResource('AWS::CloudFront::ResponseHeadersPolicy');
    const csp = JSON.stringify(policy.Properties?.ResponseHeadersPolicyConfig);
    const [domainId] = onlyResource('AWS::Cognito::UserPoolDomain');
    const connectSrc = csp.slice(csp.indexOf('connect-src'), csp.indexOf('object-src'));
    expect(connectSrc).toContain(
      `" https://",{"Ref":"${domainId}"},".auth.",{"Ref":"AWS::Region"},".amazoncognito.com`,
    );
  });

  it('sets a same-origin CSP that forbids framing and allows uploads to the media bucket', () => {
    const [, policy] = onlyResource('AWS::CloudFront::ResponseHeadersPolicy');
    const config = (policy.Properties?.ResponseHeadersPolicyConfig ?? {}) as {
      SecurityHeadersConfig?: { ContentSecurityPolicy?: unknown };
    };
    const csp = JSON.stringify(config.SecurityHeadersConfig?.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("connect-src 'self' https://hiroba-media-");
    expect(csp).not.toContain("'unsafe-inline'");
  });

  it('is the one policy local AWS sends too, with the buckets and the sign-in domain filled in', () => {
    const [, policy] = onlyResource('AWS::CloudFront::ResponseHeadersPolicy');
    const config = (policy.Properties?.ResponseHeadersPolicyConfig ?? {}) as {
      SecurityHeadersConfig?: { ContentSecurityPolicy?: { ContentSecurityPolicy?: unknown } };
    };
    const value = config.SecurityHeadersConfig?.ContentSecurityPolicy?.ContentSecurityPolicy as {
      'Fn::Join': [string, unknown[]];
    };
    // Every CloudFormation value in the policy becomes `<x>`.
    const shape = value['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<x>')).join('');

    expect(shape).toBe(
      contentSecurityPolicy({
        uploadOrigins: ['https://hiroba-media-<x>.s3.<x>.<x>', 'https://hiroba-media-<x>.s3.<x>'],
        authOrigin: 'https://<x>.auth.<x>.amazoncognito.com',
      }),
    );
    expect(shape).toContain("script-src 'self'; style-src 'self'; img-src 'self' data: blob:;");
  });
});

describe('web bucket', () => {
  it('is private, encrypted and owner-enforced', () => {
    expect(templateJson().Resources[bucketId('Web')]?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
  });

  it('gets the built web app from a deployment that invalidates the distribution', () => {
    const [distributionId] = onlyResource('AWS::CloudFront::Distribution');
    expect(webDeployments().app[1].Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId('Web') },
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/*'],
    });
  });
});

describe('web app caching', () => {
  const cachePolicyId = () => referencedId(distributionConfig().DefaultCacheBehavior.CachePolicyId) ?? '';

  it("stores the hashed assets alone, to be cached a year, keeping earlier builds' assets", () => {
    const [, assets] = webDeployments().assets;
    expect(assets.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId('Web') },
      Exclude: ['*'],
      Include: ['assets/*'],
      SystemMetadata: { 'cache-control': 'public, max-age=31536000, immutable' },
      Prune: false,
    });
  });

  it('stores everything else, config.json included, to be revalidated on every use, pruning none of the assets', () => {
    const [, app] = webDeployments().app;
    expect(app.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId('Web') },
      Exclude: ['assets/*'],
      SystemMetadata: { 'cache-control': 'no-cache' },
    });
    expect(app.Properties?.Include).toBeUndefined();
    expect(app.Properties?.Prune).not.toBe(false);
  });

  it('deploys one build twice, and the pages only after the assets they name', () => {
    const { assets, app } = webDeployments();
    const [assetKey] = (assets[1].Properties?.SourceObjectKeys ?? []) as string[];
    expect(app[1].Properties?.SourceObjectKeys).toContain(assetKey);
    expect(app[1].DependsOn).toEqual(expect.arrayContaining([assets[0]]));
  });

  it('caches each web file as its Cache-Control says: a minimum TTL of 0, so no-cache is honoured', () => {
    expect(templateJson().Resources[cachePolicyId()]?.Type).toBe('AWS::CloudFront::CachePolicy');
    expect(templateJson().Resources[cachePolicyId()]?.Properties?.CachePolicyConfig).toMatchObject({
      MinTTL: 0,
      DefaultTTL: 0,
      MaxTTL: 31_536_000,
      ParametersInCacheKeyAndForwardedToOrigin: {
        CookiesConfig: { CookieBehavior: 'none' },
        HeadersConfig: { HeaderBehavior: 'none' },
        QueryStringsConfig: { QueryStringBehavior: 'none' },
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      },
    });
  });
});

describe.each(['Web', 'Media'] as const)('%s bucket policy', (purpose) => {
  it('denies every request that is not over TLS', () => {
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId(purpose) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('lets only this distribution read objects', () => {
    const [distributionId] = onlyResource('AWS::CloudFront::Distribution');
    const prefix = purpose === 'Media' ? '/images/*' : '/*';
    template().hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId(purpose) },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:GetObject',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId(purpose), 'Arn'] }, prefix]] },
            Condition: {
              StringEquals: {
                'AWS:SourceArn': Match.objectLike({
                  'Fn::Join': ['', Match.arrayWith([':distribution/', { Ref: distributionId }])],
                }),
              },
            },
          }),
        ]),
      },
    });
  });
});

describe('media bucket', () => {
  const media = () => templateJson().Resources[bucketId('Media')];

  it('is private, encrypted, owner-enforced and versioned', () => {
    expect(media()?.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  it('moves objects to Infrequent Access after 30 days', () => {
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketName: Match.anyValue(),
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({
            Status: 'Enabled',
            Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          }),
        ]),
      },
    });
  });

  it("allows PUT and POST uploads from the distribution's origin only", () => {
    const [distributionId] = onlyResource('AWS::CloudFront::Distribution');
    expect(media()?.Properties?.CorsConfiguration).toMatchObject({
      CorsRules: [
        {
          AllowedMethods: ['PUT', 'POST'],
          AllowedOrigins: [
            { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] },
          ],
        },
      ],
    });
  });

  it('is named from the stack id, so the distribution needs no reference to it', () => {
    expect(media()?.Properties?.BucketName).toEqual({
      'Fn::Join': [
        '',
        ['hiroba-media-', { 'Fn::Select': [2, { 'Fn::Split': ['/', { Ref: 'AWS::StackId' }] }] }],
      ],
    });
  });

  it('is kept when the stack is deleted', () => {
    expect(media()?.DeletionPolicy).toBe('Retain');
  });
});
