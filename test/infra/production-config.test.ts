import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../bin/hiroba.ts';

// A stack synthesized in-process with production-style context (bundling skipped: only the template matters).
const productionContext = {
  minCapacity: '0.5',
  maxCapacity: 16,
  deletionProtection: true,
  backupRetentionDays: 30,
  databaseRemovalPolicy: 'retain',
  logRetentionDays: 90,
  alarmEmail: 'ops@example.com',
  httpThrottleRateLimit: 500,
  httpThrottleBurstLimit: 1000,
  webSocketThrottleRateLimit: 200,
  webSocketThrottleBurstLimit: 400,
  domainName: 'chat.example.com',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555',
  threatProtection: true,
};

let outdir: string;
let template: Template;
let validationReport: { pluginReports: { violations: { ruleName: string }[] }[] };

beforeAll(async () => {
  outdir = await mkdtemp(join(tmpdir(), 'hiroba-prod-'));
  const { app, stack } = createApp({
    outdir,
    bundling: false,
    context: { ...productionContext, '@aws-cdk/core:failSynthOnValidationErrors': false },
  });
  const assembly = app.synth();
  template = Template.fromJSON(assembly.getStackByName(stack.stackName).template);
  validationReport = JSON.parse(await readFile(join(outdir, 'validation-report.json'), 'utf8'));
});

afterAll(async () => {
  await rm(outdir, { recursive: true, force: true });
});

describe('a stack with production settings', () => {
  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(
      validationReport.pluginReports.flatMap((plugin) => plugin.violations.map((v) => v.ruleName)),
    ).toEqual([]);
  });

  it('keeps Aurora warm at 0.5 ACU, up to 16, protected, with 30 days of backups', () => {
    template.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      DeletionProtection: true,
      BackupRetentionPeriod: 30,
    });
  });

  it('retains the cluster when it leaves the stack', () => {
    template.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('protects the connections table from deletion', () => {
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      Replicas: [Match.objectLike({ DeletionProtectionEnabled: true })],
    });
  });

  it('protects and keeps the user pool, on the Plus plan with threat protection enforced', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      Properties: Match.objectLike({
        DeletionProtection: 'ACTIVE',
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      }),
      DeletionPolicy: 'Retain',
    });
  });

  it('lets people sign in and out from the custom domain and the distribution domain', () => {
    const [distributionId] = Object.keys(template.findResources('AWS::CloudFront::Distribution'));
    const distribution = { 'Fn::GetAtt': [distributionId, 'DomainName'] };
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      CallbackURLs: [
        'https://chat.example.com/auth/callback',
        { 'Fn::Join': ['', ['https://', distribution, '/auth/callback']] },
      ],
      LogoutURLs: ['https://chat.example.com', { 'Fn::Join': ['', ['https://', distribution]] }],
    });
  });

  it('keeps logs for 90 days', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('throttles each stage as configured', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: 'ws',
      DefaultRouteSettings: { ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 },
    });
  });

  it('e-mails alarms to alarmEmail', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('serves the custom domain with its certificate and TLS 1.2 at least', () => {
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['chat.example.com'],
        ViewerCertificate: {
          AcmCertificateArn: productionContext.certificateArn,
          MinimumProtocolVersion: 'TLSv1.2_2021',
          SslSupportMethod: 'sni-only',
        },
      }),
    });
  });

  it('allows uploads from the custom domain and the distribution domain', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [
          Match.objectLike({
            AllowedOrigins: ['https://chat.example.com', Match.objectLike({ 'Fn::Join': Match.anyValue() })],
          }),
        ],
      },
    });
  });

  it('names the custom domain as the origin users open', () => {
    template.hasOutput('AppOrigin', { Value: 'https://chat.example.com' });
  });
});
