import { DomainError } from '#shared/errors';

/** Resolves when a dependency answers; throws when it does not. */
export type HealthProbe = () => Promise<void>;

/** `unavailable`: the dependency says to come back later (Aurora resuming); `error`: anything else. */
export type DependencyStatus = 'ok' | 'unavailable' | 'error';

/** What a health check found: `degraded` when any dependency failed. */
export interface HealthReport {
  status: 'ok' | 'degraded';
  checks: Record<string, DependencyStatus>;
  /** When any dependency is down: a sensible wait before asking again. */
  retryAfterSeconds?: number;
}

/** The dependencies to probe, by name. */
export interface CheckHealthDeps {
  probes: Record<string, HealthProbe>;
  /** Each probe that takes longer counts as failed. */
  timeoutMs?: number;
  onFailure?: (dependency: string, error: unknown) => void;
}

const defaultRetryAfterSeconds = 5;

/** Asks every dependency at once and reports each one's state. */
export function makeCheckHealth({ probes, timeoutMs = 5_000, onFailure }: CheckHealthDeps) {
  return async (): Promise<HealthReport> => {
    const entries = Object.entries(probes);
    const results = await Promise.allSettled(entries.map(([, probe]) => withTimeout(probe(), timeoutMs)));
    const checks: Record<string, DependencyStatus> = {};
    let retryAfterSeconds: number | undefined;
    results.forEach((result, index) => {
      const name = entries[index]?.[0] ?? String(index);
      if (result.status === 'fulfilled') {
        checks[name] = 'ok';
        return;
      }
      onFailure?.(name, result.reason);
      const unavailable = result.reason instanceof DomainError && result.reason.kind === 'unavailable';
      checks[name] = unavailable ? 'unavailable' : 'error';
      const wait = (unavailable && result.reason.retryAfterSeconds) || defaultRetryAfterSeconds;
      retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, wait);
    });
    return retryAfterSeconds === undefined
      ? { status: 'ok', checks }
      : { status: 'degraded', checks, retryAfterSeconds };
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
