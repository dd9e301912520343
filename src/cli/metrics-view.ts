/** `ferry metrics` on a terminal: one table for the four keys, a sparkline per environment, what the ledger holds. */
import { type DoraReport, LEDGER_VERSION_LIMIT } from '../pipeline/dora.ts';
import { renderTable } from './render/index.ts';

const BARS = '▁▂▃▄▅▆▇█';

/** One character per value, scaled to the largest; a zero is a space so quiet days read as gaps. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) =>
      v <= 0 || max === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.ceil((v / max) * BARS.length) - 1)],
    )
    .join('');
}

/** Sums `values` into `size`-long groups, so a long window still fits a line. */
function grouped(values: readonly number[], size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i += size)
    out.push(values.slice(i, i + size).reduce((a, b) => a + b, 0));
  return out;
}

/** 45s, 12m, 3h05m, 2d4h: lead times and restores run from seconds to weeks. */
export function formatSpan(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

const day = (iso: string) => iso.slice(0, 10);
const rate = (n: number) => (n >= 10 ? n.toFixed(0) : n.toFixed(2).replace(/\.?0+$/, '') || '0');

export function metricsTable(reports: readonly { env: string; report: DoraReport }[]): string {
  return renderTable(
    ['env', 'releases', 'deploys/day', 'deploys/week', 'lead time', 'change failure rate', 'time to restore'],
    reports.map(({ env, report: r }) => [
      env,
      String(r.releases),
      rate(r.deploysPerDay),
      rate(r.deploysPerWeek),
      r.leadTimeMs === undefined ? '-' : formatSpan(r.leadTimeMs),
      r.changeFailureRate === undefined
        ? '-'
        : `${Math.round(r.changeFailureRate * 100)}% (${r.failed + r.rolledBack}/${r.releases})`,
      r.timeToRestoreMs === undefined ? '-' : formatSpan(r.timeToRestoreMs),
    ]),
    { align: ['left', 'right', 'right', 'right', 'right', 'right', 'right'] },
  );
}

export function sparklineLines(reports: readonly { env: string; report: DoraReport }[]): string[] {
  const width = Math.max(...reports.map(({ env }) => env.length));
  return reports.map(({ env, report }) => {
    const weekly = report.perDay.length > 90;
    const values = weekly ? grouped(report.perDay, 7) : report.perDay;
    const max = Math.max(0, ...values);
    return `${env.padEnd(width)}  │${sparkline(values)}│ releases per ${weekly ? 'week' : 'day'}, ${day(report.since)} to ${day(report.until)} (max ${max})`;
  });
}

/** How many releases the window holds, where the ledger starts, and whether SSM's version limit cut it. */
export function historyNote(env: string, r: DoraReport): string {
  const count = `${env}: ${r.releases} release${r.releases === 1 ? '' : 's'} in the window`;
  const lead =
    r.deployed > 0 && r.leadTimeSamples < r.deployed
      ? `; lead time from ${r.leadTimeSamples} of ${r.deployed} deployed (the others have no commit time)`
      : '';
  const h = r.history;
  if (!h.oldest) return `${count}; the ledger is empty`;
  if (!h.truncated)
    return `${count}; the ledger is complete back to its first release, ${day(h.oldest)}${lead}`;
  const cut = h.windowCut
    ? `, after the window's start: releases before ${day(h.oldest)} are not counted`
    : ', before the window starts, so the window is complete';
  return `${count}; the ledger's history ends at ${day(h.oldest)} (version ${h.oldestVersion}): SSM keeps the last ${LEDGER_VERSION_LIMIT} versions${cut}${lead}`;
}
