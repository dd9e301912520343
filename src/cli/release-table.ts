import { formatDuration } from '../config/duration.ts';
import type { LedgerEntry } from '../pipeline/ledger.ts';
import { renderTable } from './render/index.ts';
import { shortActor } from './render/shorten.ts';

const short = (text: string | null | undefined, n: number) =>
  text ? (text.length > n ? text.slice(0, n) : text) : '-';

function duration(e: LedgerEntry): string {
  const ms = Date.parse(e.finishedAt) - Date.parse(e.startedAt);
  return Number.isFinite(ms) ? formatDuration(ms) : '-';
}

/** `2026-11-22 23:10`: minutes tell releases apart; the full time is in --json. */
function finished(iso: string): string {
  const match = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return match ? `${match[1]} ${match[2]}` : iso;
}

/** The revision number of a task definition ARN (`...:task-definition/shop-staging-web:12` -> `12`). */
function revision(arn: string | null): string {
  if (!arn) return '-';
  return /:(\d+)$/.exec(arn)?.[1] ?? arn.slice(arn.lastIndexOf('/') + 1);
}

/**
 * The ledger as a table, newest first, within 100 columns: the digest, the
 * snapshot and the full ARNs are in `--json`. Records written before ferry kept
 * a kind are deploys.
 */
export function releaseTable(entries: LedgerEntry[]): string {
  if (entries.length === 0) return '(no releases recorded yet)';
  return renderTable(
    ['#', 'finished', 'sha', 'kind', 'outcome', 'rev', 'actor', 'took'],
    entries.map((e) => [
      String(e.version),
      finished(e.finishedAt),
      short(e.sha, 7),
      e.kind ?? 'deploy',
      e.outcome,
      revision(e.taskDefinitionArn),
      shortActor(e.actor, 28),
      duration(e),
    ]),
    { align: ['right', 'left', 'left', 'left', 'left', 'right'] },
  );
}
