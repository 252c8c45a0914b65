import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { contextKeys, contextSettings, defaultConfig, readConfig } from '../../lib/config.ts';

function configFrom(context: Record<string, unknown>) {
  return readConfig(new App({ context }).node);
}

describe('readConfig', () => {
  it('gives a cheap development stack without context', () => {
    expect(configFrom({})).toEqual(defaultConfig);
    expect(defaultConfig).toMatchObject({
      minCapacity: 0,
      maxCapacity: 2,
      deletionProtection: false,
      backupRetentionDays: 7,
      alarmEmail: undefined,
    });
  });

  it('reads values from cdk.json (JSON types) and from -c (strings) alike', () => {
    const fromJson = configFrom({
      minCapacity: 0.5,
      maxCapacity: 16,
      deletionProtection: true,
      logRetentionDays: 90,
    });
    const fromCli = configFrom({
      minCapacity: '0.5',
      maxCapacity: '16',
      deletionProtection: 'true',
      logRetentionDays: '90',
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromJson).toMatchObject({
      minCapacity: 0.5,
      maxCapacity: 16,
      deletionProtection: true,
      logRetentionDays: 90,
    });
  });

  it('rejects capacity that is not a multiple of 0.5 ACU', () => {
    expect(() => configFrom({ maxCapacity: 2.3 })).toThrow(
      /maxCapacity: expected a multiple of 0.5 from 1 to 256, got 2.3/,
    );
  });

  it('rejects a maximum capacity below the minimum', () => {
    expect(() => configFrom({ minCapacity: 4, maxCapacity: 2 })).toThrow(
      /maxCapacity: must be at least minCapacity/,
    );
  });

  it('rejects a boolean written any other way than true or false', () => {
    expect(() => configFrom({ deletionProtection: 'yes' })).toThrow(
      /deletionProtection: expected true or false/,
    );
  });

  it('rejects a log retention CloudWatch Logs does not offer', () => {
    expect(() => configFrom({ logRetentionDays: 10 })).toThrow(
      /logRetentionDays: expected one of 1, 3, 5, 7, 14, 30/,
    );
  });

  it('rejects an unknown database removal policy', () => {
    expect(() => configFrom({ databaseRemovalPolicy: 'delete' })).toThrow(
      /databaseRemovalPolicy: expected one of snapshot, retain, destroy, got "delete"/,
    );
  });

  it('rejects an invalid alarm e-mail address', () => {
    expect(() => configFrom({ alarmEmail: 'ops' })).toThrow(
      /alarmEmail: expected an e-mail address, got "ops"/,
    );
  });

  it('rejects a custom domain without its certificate', () => {
    expect(() => configFrom({ domainName: 'chat.example.com' })).toThrow(/set both or neither/);
  });

  it('rejects a certificate outside us-east-1, which CloudFront cannot use', () => {
    expect(() =>
      configFrom({
        domainName: 'chat.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
      }),
    ).toThrow(/certificateArn: expected an ACM certificate ARN in us-east-1/);
  });

  it('opens sign-up to everyone and leaves threat protection off by default', () => {
    expect(defaultConfig).toMatchObject({ selfSignUp: true, threatProtection: false });
    expect(configFrom({ selfSignUp: 'false', threatProtection: 'true' })).toMatchObject({
      selfSignUp: false,
      threatProtection: true,
    });
  });

  it('allows image uploads of 10 MiB by default, and reads another limit in bytes', () => {
    expect(defaultConfig.maxUploadBytes).toBe(10 * 1024 * 1024);
    expect(configFrom({ maxUploadBytes: '2097152' }).maxUploadBytes).toBe(2 * 1024 * 1024);
  });

  it('rejects an upload limit under 1 KiB, over 50 MiB or not a whole number of bytes', () => {
    for (const value of [1023, 50 * 1024 * 1024 + 1, 2048.5]) {
      expect(() => configFrom({ maxUploadBytes: value })).toThrow(/maxUploadBytes: expected a whole number/);
    }
  });

  it('reports every invalid value at once', () => {
    expect(() => configFrom({ minCapacity: 'lots', backupRetentionDays: 90 })).toThrow(
      /minCapacity: expected a number, got "lots"\n {2}- backupRetentionDays: expected a whole number from 1 to 35, got 90/,
    );
  });

  it('documents every key with a description and a default', () => {
    for (const key of contextKeys) {
      expect(contextSettings[key].description.length, key).toBeGreaterThan(10);
      expect(defaultConfig[key], key).toEqual(contextSettings[key].default);
    }
  });
});
