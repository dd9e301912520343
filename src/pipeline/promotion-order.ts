/**
 * Promotion never moves the target backwards: a SHA that passed the source
 * before the one the target runs is older, whatever its approval says (an
 * approved but stale workflow run). Going back is `ferry rollback`'s job.
 */
import type { LedgerEntry } from './ledger.ts';

/** Newest first, as readLedger returns it: a smaller index passed the source later. */
export function isOlderThan(
  sourceLedger: LedgerEntry[],
  candidate: string,
  running: string | undefined,
): boolean {
  if (!running || running === candidate) return false;
  const passed = sourceLedger.filter((e) => e.outcome === 'deployed');
  const at = (sha: string) => passed.findIndex((e) => e.sha === sha);
  const candidateAt = at(candidate);
  const runningAt = at(running);
  return runningAt !== -1 && candidateAt !== -1 && candidateAt > runningAt;
}
