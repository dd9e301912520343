/** `ferry doctor` on a terminal: one line per check, its items and fix, then the verdict. */
import type { CheckResult, CheckStatus } from '../../doctor/checks.ts';
import type { DoctorVerdict } from '../../doctor/verdict.ts';

const MARK: Record<CheckStatus, string> = { pass: '✔', fail: '✖', warn: '⚠', skip: '-' };

export function renderCheck(r: CheckResult): string {
  const lines = [`${MARK[r.status]} ${r.check}: ${r.summary}`];
  for (const item of r.items ?? []) lines.push(`    - ${item}`);
  if (r.fix && r.status !== 'pass') lines.push(`    fix: ${r.fix}`);
  return lines.join('\n');
}

export const doctorHeading = (env: string, sha: string | undefined): string =>
  `ferry doctor ${env}${sha ? ` --sha ${sha}` : ''}`;

export function renderVerdict(env: string, { failures }: DoctorVerdict): string {
  return failures.length === 0
    ? `${env}: all checks passed`
    : `${env}: ${failures.length} check(s) failed: ${failures.join(', ')}`;
}
