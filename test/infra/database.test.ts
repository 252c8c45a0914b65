import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { onlyResource, template } from './support/assembly.ts';

describe('network', () => {
  it('has no NAT gateway', () => {
    template().resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  it('has no internet gateway and no public subnet', () => {
    template().resourceCountIs('AWS::EC2::InternetGateway', 0);
    template().allResourcesProperties('AWS::EC2::Subnet', { MapPublicIpOnLaunch: false });
  });

  it('logs rejected traffic of the VPC', () => {
    template().hasResourceProperties('AWS::EC2::FlowLog', { ResourceType: 'VPC', TrafficType: 'REJECT' });
  });

  it('lets nothing into the cluster: its security group has no ingress rule', () => {
    const [, cluster] = onlyResource('AWS::RDS::DBCluster');
    const groups = cluster.Properties?.VpcSecurityGroupIds as { 'Fn::GetAtt': [string, string] }[];
    expect(groups).toHaveLength(1);
    template().resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
    template().hasResourceProperties('AWS::EC2::SecurityGroup', {
      GroupDescription: Match.stringLikeRegexp('Aurora cluster'),
      SecurityGroupIngress: Match.absent(),
    });
  });
});

describe('Aurora cluster', () => {
  it('runs Aurora PostgreSQL 17.9', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      EngineVersion: '17.9',
    });
  });

  it('enables the Data API', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', { EnableHttpEndpoint: true });
  });

  it('encrypts storage', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', { StorageEncrypted: true });
  });

  it('keeps 7 days of backups by default', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', { BackupRetentionPeriod: 7 });
  });

  it('scales Serverless v2 from 0 ACU (auto-pause) to 2 ACU by default', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
    });
  });

  it('has a Serverless v2 writer instance', () => {
    template().resourceCountIs('AWS::RDS::DBInstance', 1);
    template().hasResourceProperties('AWS::RDS::DBInstance', {
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
    });
  });

  it('generates its credentials in Secrets Manager', () => {
    template().hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
    template().hasResourceProperties('AWS::SecretsManager::SecretTargetAttachment', {
      TargetType: 'AWS::RDS::DBCluster',
    });
  });

  it('is not deletion-protected by default but keeps a snapshot when deleted', () => {
    template().hasResource('AWS::RDS::DBCluster', {
      Properties: Match.objectLike({ DeletionProtection: false }),
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
  });

  it('names the database the functions use', () => {
    template().hasResourceProperties('AWS::RDS::DBCluster', { DatabaseName: 'hiroba' });
  });
});
