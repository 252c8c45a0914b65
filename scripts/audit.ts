/**
 * `npm run audit`: `npm audit` of the runtime dependencies (those bundled into functions and the web
 * app), failing on a high or critical advisory. A registry that cannot answer audits (a mirror, or a
 * proxy that only allows GET) is reported as not checked, not as a pass, and does not fail the run.
 */

import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';

/** What `npm audit --json` printed, as far as the verdict needs it. */
interface AuditReport {
  metadata?: { vulnerabilities?: Record<string, number> };
  statusCode?: number;
  message?: string;
  error?: unknown;
}

export type Verdict =
  | { kind: 'passed'; counts: Record<string, number> }
  | { kind: 'failed'; counts: Record<string, number> }
  | { kind: 'unchecked'; reason: string };

/** Fails on any high or critical advisory; an answer without a report is `unchecked`, with why. */
export function verdict(report: AuditReport): Verdict {
  const counts = report.metadata?.vulnerabilities;
  if (!counts) {
    return {
      kind: 'unchecked',
      reason: report.message ?? `the registry answered ${report.statusCode ?? 'no report'}`,
    };
  }
  return (counts.high ?? 0) + (counts.critical ?? 0) > 0
    ? { kind: 'failed', counts }
    : { kind: 'passed', counts };
}

function runAudit(): AuditReport {
  try {
    return JSON.parse(execFileSync('npm', ['audit', '--json', '--omit=dev'], { encoding: 'utf8' }));
  } catch (error) {
    // npm audit exits 1 when it finds advisories; its report is still on stdout.
    const stdout = (error as { stdout?: string }).stdout;
    if (stdout) return JSON.parse(stdout);
    throw error;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = verdict(runAudit());
  if (result.kind === 'unchecked') {
    console.log(`npm audit: not checked (${result.reason})`);
  } else {
    const summary = Object.entries(result.counts)
      .filter(([severity]) => severity !== 'total')
      .map(([severity, count]) => `${count} ${severity}`)
      .join(', ');
    console.log(`npm audit: ${result.kind} (${summary})`);
    if (result.kind === 'failed') process.exitCode = 1;
  }
}
