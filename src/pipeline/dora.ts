/**
 * The DORA four keys from a release ledger (pure: entries and a window in,
 * numbers out). Definitions, as `ferry metrics` prints them:
 * - deployment frequency: deployed releases per day and per week of the window;
 * - lead time for changes: commit time to the end of its deployed release (median);
 * - change failure rate: failed plus rolled-back releases over all releases;
 * - time to restore: from the end of a failed or rolled-back release to the end
 *   of the next deployed one (a run of failures is one incident; median).
 */
import type { LedgerEntry } from './ledger.ts';

/** SSM keeps this many versions of a parameter, so the ledger holds this many releases at most. */
export const LEDGER_VERSION_LIMIT = 100;

const DAY = 86_400_000;

export interface DoraReport {
  since: string;
  until: string;
  days: number;
  releases: number;
  deployed: number;
  failed: number;
  rolledBack: number;
  aborted: number;
  deploysPerDay: number;
  deploysPerWeek: number;
  /** Median, and how many deployed releases had a commit time. */
  leadTimeMs?: number;
  leadTimeSamples: number;
  /** 0..1; undefined with no releases. */
  changeFailureRate?: number;
  timeToRestoreMs?: number;
  incidents: number;
  /** Failures not followed by a deployed release (yet). */
  unrestored: number;
  /** Releases (any outcome) per UTC day of the window, oldest first. */
  perDay: number[];
  history: LedgerHistory;
}

export interface LedgerHistory {
  /** The oldest release the ledger still holds. */
  oldest?: string;
  oldestVersion?: number;
  /** Older versions were dropped (SSM's 100-version limit): the ledger no longer starts at the first release. */
  truncated: boolean;
  /** The window starts before what the truncated ledger holds: its numbers miss releases. */
  windowCut: boolean;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const at = (iso: string) => Date.parse(iso);

export function computeDora(entries: readonly LedgerEntry[], since: Date, until: Date): DoraReport {
  const from = since.getTime();
  const to = until.getTime();
  const chronological = [...entries].sort((a, b) => a.version - b.version);
  const inWindow = chronological.filter((e) => at(e.finishedAt) >= from && at(e.finishedAt) <= to);
  const count = (outcome: LedgerEntry['outcome']) => inWindow.filter((e) => e.outcome === outcome).length;
  const days = Math.max(1, Math.ceil((to - from) / DAY));
  const deployed = count('deployed');
  const failures = count('failed') + count('rolled_back');

  const leadTimes = inWindow
    .filter((e) => e.outcome === 'deployed' && e.committedAt && !Number.isNaN(at(e.committedAt)))
    .map((e) => Math.max(0, at(e.finishedAt) - at(e.committedAt!)));

  const restores: number[] = [];
  let incidents = 0;
  let openedAt: number | undefined;
  for (const e of inWindow) {
    if (e.outcome === 'failed' || e.outcome === 'rolled_back') {
      if (openedAt === undefined) {
        openedAt = at(e.finishedAt);
        incidents++;
      }
    } else if (e.outcome === 'deployed' && openedAt !== undefined) {
      restores.push(at(e.finishedAt) - openedAt);
      openedAt = undefined;
    }
  }

  const perDay = Array.from({ length: days }, () => 0);
  for (const e of inWindow) {
    const day = Math.min(days - 1, Math.floor((at(e.finishedAt) - from) / DAY));
    perDay[day]! += 1;
  }

  const leadTimeMs = median(leadTimes);
  const timeToRestoreMs = median(restores);
  return {
    since: since.toISOString(),
    until: until.toISOString(),
    days,
    releases: inWindow.length,
    deployed,
    failed: count('failed'),
    rolledBack: count('rolled_back'),
    aborted: count('aborted'),
    deploysPerDay: deployed / days,
    deploysPerWeek: (deployed / days) * 7,
    ...(leadTimeMs !== undefined ? { leadTimeMs } : {}),
    leadTimeSamples: leadTimes.length,
    ...(inWindow.length > 0 ? { changeFailureRate: failures / inWindow.length } : {}),
    ...(timeToRestoreMs !== undefined ? { timeToRestoreMs } : {}),
    incidents,
    unrestored: openedAt === undefined ? 0 : 1,
    perDay,
    history: ledgerHistory(chronological, from),
  };
}

function ledgerHistory(chronological: readonly LedgerEntry[], from: number): LedgerHistory {
  const oldest = chronological[0];
  if (!oldest) return { truncated: false, windowCut: false };
  // Version 1 is the ledger's first release; a higher oldest version means SSM dropped older ones.
  const truncated = oldest.version > 1;
  return {
    oldest: oldest.startedAt,
    oldestVersion: oldest.version,
    truncated,
    windowCut: truncated && at(oldest.startedAt) > from,
  };
}
