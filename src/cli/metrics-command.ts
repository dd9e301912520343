/** The composition of `ferry metrics`: each environment's ledger in, the DORA four keys out. */
import { ExitCode, usageError } from '../errors.ts';
import { computeDora, type DoraReport } from '../pipeline/dora.ts';
import { readLedger } from '../pipeline/ledger.ts';
import { createPorts, loadSetup } from './compose.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { historyNote, metricsTable, sparklineLines } from './metrics-view.ts';

export interface MetricsCommand {
  /** One environment; without it, every environment of the config. */
  env?: string;
  since: Date;
  now: Date;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30d`, `12w`, `48h` back from now, or a date: the window's start. */
export function parseSince(text: string, now: Date): Date {
  const match = /^(\d{1,4})([hdw])$/.exec(text);
  if (match) return new Date(now.getTime() - Number(match[1]) * UNIT_MS[match[2]!]!);
  if (/^\d{4}-\d\d-\d\d(T[\d:.]+Z)?$/.test(text) && !Number.isNaN(Date.parse(text))) {
    const since = new Date(text);
    if (since.getTime() < now.getTime()) return since;
  }
  throw usageError(
    `--since: "${text}" is not a window; use a number of hours, days or weeks (48h, 30d, 12w) or a past date (2026-01-31)`,
  );
}

/** Read-only: one GetParameterHistory per environment. */
export async function runMetricsCommand(
  ctx: CliContext,
  { env: only, since, now }: MetricsCommand,
): Promise<number> {
  const first = await loadSetup(ctx, only);
  const envs = only ? [only] : Object.keys(first.config.environments);
  const out = new DataOutput(ctx);
  const reports: { env: string; report: DoraReport }[] = [];
  for (const env of envs) {
    const setup = env === first.env ? first : await loadSetup(ctx, env);
    const entries = await readLedger(createPorts(ctx, setup).parameters, setup.app, env);
    const report = computeDora(entries, since, now);
    reports.push({ env, report });
    out.data('metrics', { env, ...report });
  }
  out.text(
    `ferry metrics ${first.app}, ${since.toISOString().slice(0, 10)} to ${now.toISOString().slice(0, 10)}`,
  );
  out.text('');
  out.text(metricsTable(reports));
  out.text('');
  out.text(sparklineLines(reports).join('\n'));
  out.text('');
  out.text(reports.map(({ env, report }) => historyNote(env, report)).join('\n'));
  out.result({ ...(only ? { env: only } : {}), since: since.toISOString() });
  return ExitCode.Ok;
}
