/**
 * The migration check that runs before a release takes the lock: select what
 * the release adds, lint it, report every finding, and with
 * `migrate.dangerous: "fail"` stop before anything changes.
 */
import { usageError } from '../errors.ts';
import type { Emit, LogEvent } from '../pipeline/events.ts';
import type { Git } from './git.ts';
import { type Finding, lintMigrations } from './lint.ts';
import { type Selection, selectMigrations } from './select.ts';

export interface CheckInput {
  /** `migrate.paths`; the check is off without them. */
  globs: readonly string[] | undefined;
  /** `migrate.dangerous`; default "warn". */
  mode: 'warn' | 'fail' | undefined;
  env: string;
  sha: string;
  /** The SHA running in the environment; undefined when none is known (a first deploy). */
  runningSha: () => Promise<string | undefined>;
  git: Git;
  emit: Emit;
}

export async function checkMigrations(input: CheckInput): Promise<Finding[]> {
  const { globs, emit } = input;
  if (!globs || globs.length === 0) return [];
  const running = await input.runningSha().catch((err: unknown) => {
    emit({
      type: 'log',
      level: 'warn',
      message: `could not read which version runs in ${input.env} (${err instanceof Error ? err.message : String(err)}); checking every migration`,
    });
    return undefined;
  });
  const selection = await selectMigrations({
    git: input.git,
    globs,
    sha: input.sha,
    ...(running ? { running } : {}),
  });
  const verdict = judgeMigrations(selection, { mode: input.mode, sha: input.sha });
  for (const line of verdict.lines) emit(line);
  if (verdict.refusal) throw usageError(verdict.refusal.reason, ...verdict.refusal.next);
  return verdict.findings;
}

type LogLine = LogEvent;

/** The gate's decision on what selection found: lines to report, and a refusal with "fail". Pure. */
export interface MigrationVerdict {
  findings: Finding[];
  lines: LogLine[];
  refusal?: { reason: string; next: string[] };
}

export function judgeMigrations(
  selection: Selection,
  input: { mode: 'warn' | 'fail' | undefined; sha: string },
): MigrationVerdict {
  const lines: LogLine[] = [];
  if (selection.kind === 'unavailable') {
    // A gate the user asked for must not open silently: "fail" refuses what it cannot check.
    if (input.mode === 'fail') {
      return {
        findings: [],
        lines,
        refusal: {
          reason: `${selection.reason}; migrate.dangerous is "fail", so nothing was changed`,
          next: [
            'Give ferry the history it needs, or set "migrate": { "dangerous": "warn" } to deploy with a warning instead.',
          ],
        },
      };
    }
    return { findings: [], lines: [{ type: 'log', level: 'warn', message: selection.reason }] };
  }
  if (selection.unmatched.length > 0) {
    const which = selection.unmatched.map((g) => JSON.stringify(g)).join(', ');
    const why = `migrate.paths ${which} match${selection.unmatched.length === 1 ? 'es' : ''} no file at ${input.sha.slice(0, 7)}, so ferry cannot check those migrations`;
    if (input.mode === 'fail') {
      return {
        findings: [],
        lines,
        refusal: {
          reason: `${why}; migrate.dangerous is "fail", so nothing was changed`,
          next: ['Fix the glob (relative to the config file), or remove it from migrate.paths.'],
        },
      };
    }
    lines.push({ type: 'log', level: 'warn', message: `${why}; fix the glob, or remove it` });
  }
  const findings = lintMigrations(selection.files);
  for (const f of findings) {
    lines.push({
      type: 'log',
      level: f.severity === 'danger' ? 'error' : 'warn',
      message: describeFinding(f),
    });
  }
  lines.push(summary(findings, selection.files.length, selection.scope, selection.unmatched.length));
  if (input.mode === 'fail' && findings.some((f) => f.severity === 'danger'))
    return { findings, lines, refusal: refusal(findings) };
  return { findings, lines };
}

export function describeFinding(f: Finding): string {
  return `${f.path}:${f.line} ${f.rule}: ${f.why} — ${f.fix}`;
}

function summary(findings: Finding[], files: number, scope: string, unmatched: number): LogLine {
  const dangers = findings.filter((f) => f.severity === 'danger').length;
  const warnings = findings.length - dangers;
  const checked = `${files} migration file${files === 1 ? '' : 's'} checked (${scope})`;
  if (unmatched > 0 && findings.length === 0) {
    // Never an all-clear: part of what the user asked to check was not found.
    return {
      type: 'log',
      level: 'warn',
      message: `${checked}: nothing dangerous in those, but ${count(unmatched, 'glob')} of migrate.paths matched no file`,
    };
  }
  if (findings.length === 0) return { type: 'log', level: 'info', message: `${checked}: nothing dangerous` };
  return {
    type: 'log',
    level: dangers > 0 ? 'error' : 'warn',
    message: `${checked}: ${count(dangers, 'danger')}, ${count(warnings, 'warning')}`,
  };
}

function refusal(findings: Finding[]): { reason: string; next: string[] } {
  const dangers = findings.filter((f) => f.severity === 'danger');
  const named = dangers.slice(0, 5).map((f) => `${f.path}:${f.line} ${f.rule}`);
  const more = dangers.length > named.length ? ` and ${dangers.length - named.length} more` : '';
  return {
    reason: `${count(dangers.length, 'dangerous migration statement')} (${named.join(', ')}${more}); migrate.dangerous is "fail", so nothing was changed`,
    next: [
      'Make the migration backward-compatible (each finding above says how), or set "migrate": { "dangerous": "warn" } in the config to deploy it anyway.',
    ],
  };
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
