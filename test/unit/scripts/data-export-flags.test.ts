import { describe, expect, it } from 'vitest';
import { parseFlags, targetFrom } from '../../../scripts/data-export.ts';

describe('the export and import flags', () => {
  it('reads --name value, --name=value, boolean flags and positional arguments', () => {
    const { flags, rest } = parseFlags([
      '--out',
      'a.jsonl',
      '--database=chat',
      '--local',
      'b.jsonl',
      '--without-api-keys',
    ]);

    expect(Object.fromEntries(flags)).toEqual({
      out: 'a.jsonl',
      database: 'chat',
      local: true,
      'without-api-keys': true,
    });
    expect(rest).toEqual(['b.jsonl']);
  });

  it('takes the database from flags before the functions’ variables', async () => {
    const env = {
      DATABASE_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:1:cluster:a',
      DATABASE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:s',
      DATABASE_NAME: 'hiroba',
    };
    const { target, client } = await targetFrom(parseFlags(['--database', 'other']).flags, env);
    client.destroy();

    expect(target).toEqual({
      clusterArn: env.DATABASE_CLUSTER_ARN,
      secretArn: env.DATABASE_SECRET_ARN,
      database: 'other',
    });
  });

  it('says what is missing', async () => {
    await expect(targetFrom(new Map(), {})).rejects.toThrow(/--cluster-arn, --secret-arn and --database/);
    await expect(targetFrom(parseFlags(['--local']).flags, {})).rejects.toThrow(/AWS_ENDPOINT_URL_RDS_DATA/);
  });
});
