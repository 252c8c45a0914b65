import { describe, expect, it } from 'vitest';
import { makeCheckHealth } from '#domain/health/check-health';
import { DomainError } from '#shared/errors';

const ok = async () => {};

describe('checkHealth', () => {
  it('reports ok when every dependency answers', async () => {
    const checkHealth = makeCheckHealth({ probes: { database: ok, connections: ok } });

    expect(await checkHealth()).toEqual({ status: 'ok', checks: { database: 'ok', connections: 'ok' } });
  });

  it('names the failing dependency and suggests a wait', async () => {
    const failures: string[] = [];
    const checkHealth = makeCheckHealth({
      probes: { database: ok, connections: () => Promise.reject(new Error('boom')) },
      onFailure: (name) => failures.push(name),
    });

    expect(await checkHealth()).toEqual({
      status: 'degraded',
      checks: { database: 'ok', connections: 'error' },
      retryAfterSeconds: 5,
    });
    expect(failures).toEqual(['connections']);
  });

  it('reports a resuming database as unavailable with its own retry delay', async () => {
    const resuming = () =>
      Promise.reject(new DomainError('unavailable', 'resuming', { retryAfterSeconds: 10 }));
    const checkHealth = makeCheckHealth({ probes: { database: resuming, connections: ok } });

    expect(await checkHealth()).toEqual({
      status: 'degraded',
      checks: { database: 'unavailable', connections: 'ok' },
      retryAfterSeconds: 10,
    });
  });

  it('counts a probe that does not answer in time as failed', async () => {
    const hangs = () => new Promise<void>(() => {});
    const checkHealth = makeCheckHealth({ probes: { database: hangs }, timeoutMs: 20 });

    expect((await checkHealth()).checks).toEqual({ database: 'error' });
  });
});
