import {
  DatabaseResumingException,
  DatabaseUnavailableException,
  type RDSDataClient,
  ServiceUnavailableError,
} from '@aws-sdk/client-rds-data';
import { describe, expect, it } from 'vitest';
import { createDataApi, toSqlParameters } from '#adapters/data-api';
import { DomainError } from '#shared/errors';

const target = {
  clusterArn: 'arn:aws:rds:us-east-1:123456789012:cluster:db',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db',
  database: 'hiroba',
};

const resuming = () =>
  new DatabaseResumingException({
    $metadata: {},
    message: 'The Aurora DB instance is resuming after being auto-paused.',
  });

/** A client whose `send` answers from a script, recording every command's name and input. */
function scriptedClient(answers: Array<unknown | (() => never)>) {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      calls.push({ command: command.constructor.name, input: command.input });
      const answer = answers.shift();
      if (typeof answer === 'function') return answer();
      return answer;
    },
  } as unknown as RDSDataClient;
  return { client, calls };
}

describe('toSqlParameters', () => {
  it('binds each JavaScript value with the matching Data API type', () => {
    expect(
      toSqlParameters({
        text: 'hi',
        count: 3,
        ratio: 0.5,
        flag: true,
        nothing: null,
        id: { uuid: '6f1c0d2e-8f4e-4d1a-9a57-0b0b8c6c9d11' },
        at: { timestamp: new Date('2026-01-01T12:00:00.123Z') },
        doc: { json: { a: 1 } },
      }),
    ).toEqual([
      { name: 'text', value: { stringValue: 'hi' } },
      { name: 'count', value: { longValue: 3 } },
      { name: 'ratio', value: { doubleValue: 0.5 } },
      { name: 'flag', value: { booleanValue: true } },
      { name: 'nothing', value: { isNull: true } },
      { name: 'id', value: { stringValue: '6f1c0d2e-8f4e-4d1a-9a57-0b0b8c6c9d11' }, typeHint: 'UUID' },
      { name: 'at', value: { stringValue: '2026-01-01 12:00:00.123' }, typeHint: 'TIMESTAMP' },
      { name: 'doc', value: { stringValue: '{"a":1}' }, typeHint: 'JSON' },
    ]);
  });
});

describe('createDataApi', () => {
  it('asks for JSON records and parses them', async () => {
    const { client, calls } = scriptedClient([{ formattedRecords: '[{"ok":1}]' }]);
    const db = createDataApi({ ...target, client });

    expect(await db.query('select 1 as ok')).toEqual([{ ok: 1 }]);
    expect(calls[0]?.input).toMatchObject({
      resourceArn: target.clusterArn,
      secretArn: target.secretArn,
      database: 'hiroba',
      sql: 'select 1 as ok',
      formatRecordsAs: 'JSON',
    });
  });

  it.each([
    ['its writer is unavailable', DatabaseUnavailableException],
    ['the service is unavailable', ServiceUnavailableError],
  ])('retries while %s, as while it resumes', async (_case, Unavailable) => {
    const unavailable = () => {
      throw new Unavailable({ $metadata: {}, message: 'not now' });
    };
    const { client, calls } = scriptedClient([
      unavailable,
      unavailable,
      unavailable,
      { formattedRecords: '[]' },
    ]);
    const db = createDataApi({ ...target, client, sleep: async () => {} });

    expect(await db.query('select 1')).toEqual([]);
    expect(calls).toHaveLength(4);
  });

  it('retries while the database resumes, then succeeds', async () => {
    const { client, calls } = scriptedClient([
      () => {
        throw resuming();
      },
      () => {
        throw resuming();
      },
      { numberOfRecordsUpdated: 2 },
    ]);
    const db = createDataApi({ ...target, client, sleep: async () => {} });

    expect(await db.execute('update t set x = 1')).toBe(2);
    expect(calls).toHaveLength(3);
  });

  it('reports the database unavailable once the retry budget is spent', async () => {
    const { client } = scriptedClient(
      Array.from({ length: 50 }, () => () => {
        throw resuming();
      }),
    );
    const db = createDataApi({
      ...target,
      client,
      retry: { budgetMs: 0, baseDelayMs: 1, maxDelayMs: 1 },
    });

    const error = await db.query('select 1').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: 'unavailable', retryAfterSeconds: 10 });
  });

  it('does not retry other errors', async () => {
    const { client, calls } = scriptedClient([
      () => {
        throw new Error('syntax error');
      },
    ]);
    const db = createDataApi({ ...target, client, sleep: async () => {} });

    await expect(db.query('selec 1')).rejects.toThrow('syntax error');
    expect(calls).toHaveLength(1);
  });

  it('commits a transaction whose work succeeds', async () => {
    const { client, calls } = scriptedClient([{ transactionId: 'tx-1' }, { numberOfRecordsUpdated: 1 }, {}]);
    const db = createDataApi({ ...target, client });

    await db.transaction((tx) => tx.execute('insert into t values (1)'));

    expect(calls.map((c) => c.command)).toEqual([
      'BeginTransactionCommand',
      'ExecuteStatementCommand',
      'CommitTransactionCommand',
    ]);
    expect(calls[1]?.input.transactionId).toBe('tx-1');
  });

  it('rolls back a transaction whose work fails, and rethrows', async () => {
    const { client, calls } = scriptedClient([
      { transactionId: 'tx-1' },
      () => {
        throw new Error('duplicate key');
      },
      {},
    ]);
    const db = createDataApi({ ...target, client });

    await expect(db.transaction((tx) => tx.execute('insert into t values (1)'))).rejects.toThrow(
      'duplicate key',
    );
    expect(calls.map((c) => c.command)).toEqual([
      'BeginTransactionCommand',
      'ExecuteStatementCommand',
      'RollbackTransactionCommand',
    ]);
  });
});
