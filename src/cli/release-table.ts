import { formatDuration } from '../config/duration.ts';
import type { LedgerEntry } from '../pipeline/ledger.ts';
import { renderTable } from './render/index.ts';

const short = (text: string | null | undefined, n: number) =>
  text ? (text.length > n ? text.slice(0, n) : text) : '-';

function duration(e: LedgerEntry): string {
  const ms = Date.parse(e.finishedAt) - Date.parse(e.startedAt);
  return Number.isFinite(ms) ? formatDuration(ms) : '-';
}

/** The ledger as a table, newest first. */
export function releaseTable(entries: LedgerEntry[]): string {
  if (entries.length === 0) return '(no releases recorded yet)';
  return renderTable(
    ['#', 'finished', 'sha', 'outcome', 'digest', 'revision', 'snapshot', 'actor', 'took'],
    entries.map((e) => [
      String(e.version),
      e.finishedAt.replace(/\.\d{3}Z$/, 'Z'),
      short(e.sha, 7),
      e.outcome,
      short(e.digest, 19),
      e.taskDefinitionArn ? e.taskDefinitionArn.slice(e.taskDefinitionArn.lastIndexOf('/') + 1) : '-',
      e.snapshotId ?? '-',
      e.actor,
      duration(e),
    ]),
    { align: ['right'] },
  );
}
