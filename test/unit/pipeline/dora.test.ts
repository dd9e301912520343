import { describe, expect, it } from 'vitest';
import { historyNote, metricsTable, sparkline } from '../../../src/cli/metrics-view.ts';
import { computeDora, median } from '../../../src/pipeline/dora.ts';
import type { LedgerEntry } from '../../../src/pipeline/ledger.ts';

const H = 3_600_000;

function entry(
  version: number,
  outcome: LedgerEntry['outcome'],
  finishedAt: string,
  committedAt?: string,
): LedgerEntry {
  const finished = Date.parse(finishedAt);
  return {
    version,
    sha: String(version).padStart(7, '0'),
    digest: 'sha256:x',
    taskDefinitionArn: null,
    previousTaskDefinitionArn: null,
    snapshotId: null,
    outcome,
    actor: 'ci',
    startedAt: new Date(finished - 10 * 60_000).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    steps: [],
    ...(committedAt ? { committedAt } : {}),
  };
}

/** Two weeks of releases with answers worked out by hand (see each line). */
const LEDGER = [
  entry(1, 'deployed', '2026-10-20T00:00:00Z'), // before the window
  entry(2, 'deployed', '2026-11-02T10:00:00Z', '2026-11-02T08:00:00Z'), // lead 2h
  entry(3, 'rolled_back', '2026-11-03T12:00:00Z'), // incident 1 opens
  entry(4, 'failed', '2026-11-03T13:00:00Z'), // same incident
  entry(5, 'deployed', '2026-11-03T15:00:00Z', '2026-11-03T14:00:00Z'), // lead 1h, restored after 3h
  entry(6, 'deployed', '2026-11-05T09:00:00Z'), // no commit time
  entry(7, 'rolled_back', '2026-11-10T00:30:00Z'), // incident 2 opens
  entry(8, 'deployed', '2026-11-10T01:30:00Z', '2026-11-09T21:30:00Z'), // lead 4h, restored after 1h
  entry(9, 'aborted', '2026-11-12T00:00:00Z'),
].reverse();

const SINCE = new Date('2026-11-01T00:00:00Z');
const UNTIL = new Date('2026-11-15T00:00:00Z');

describe('DORA four keys from the ledger', () => {
  const r = computeDora(LEDGER, SINCE, UNTIL);

  it('counts the releases of the window by outcome', () => {
    expect(r).toMatchObject({ days: 14, releases: 8, deployed: 4, failed: 1, rolledBack: 2, aborted: 1 });
  });

  it('deployment frequency: deployed releases per day and per week', () => {
    expect(r.deploysPerDay).toBeCloseTo(4 / 14);
    expect(r.deploysPerWeek).toBeCloseTo(2);
  });

  it('lead time: median of commit-to-deployed over the releases that have a commit time', () => {
    expect(r.leadTimeMs).toBe(2 * H);
    expect(r.leadTimeSamples).toBe(3);
  });

  it('change failure rate: failed plus rolled back over all releases', () => {
    expect(r.changeFailureRate).toBe(3 / 8);
  });

  it('time to restore: a run of failures is one incident, closed by the next deployed release', () => {
    expect(r.incidents).toBe(2);
    expect(r.timeToRestoreMs).toBe(2 * H); // median of 3h and 1h
    expect(r.unrestored).toBe(0);
  });

  it('releases per day, oldest day first', () => {
    expect(r.perDay).toEqual([0, 1, 3, 0, 1, 0, 0, 0, 0, 2, 0, 1, 0, 0]);
    expect(sparkline(r.perDay)).toBe(' ▃█ ▃    ▆ ▃  ');
  });

  it('knows a complete ledger from one SSM has cut', () => {
    expect(r.history).toEqual({
      oldest: LEDGER.at(-1)!.startedAt,
      oldestVersion: 1,
      truncated: false,
      windowCut: false,
    });
    expect(historyNote('staging', r)).toBe(
      'staging: 8 releases in the window; the ledger is complete back to its first release, 2026-10-19; lead time from 3 of 4 deployed (the others have no commit time)',
    );
    const cut = LEDGER.filter((e) => e.version >= 4).map((e) => ({ ...e, version: e.version + 100 }));
    const report = computeDora(cut, SINCE, UNTIL);
    expect(report.history).toMatchObject({ oldestVersion: 104, truncated: true, windowCut: true });
    expect(historyNote('staging', report)).toContain(
      "the ledger's history ends at 2026-11-03 (version 104): SSM keeps the last 100 versions, after the window's start: releases before 2026-11-03 are not counted",
    );
  });

  it('an incident still open at the end of the window is unrestored, not a time', () => {
    const open = computeDora(
      [entry(2, 'failed', '2026-11-14T00:00:00Z'), entry(1, 'deployed', '2026-11-13T00:00:00Z')],
      SINCE,
      UNTIL,
    );
    expect(open).toMatchObject({ incidents: 1, unrestored: 1 });
    expect(open.timeToRestoreMs).toBeUndefined();
  });

  it('an empty window has no rates, not zeros', () => {
    const empty = computeDora([], SINCE, UNTIL);
    expect(empty.changeFailureRate).toBeUndefined();
    expect(metricsTable([{ env: 'staging', report: empty }])).toContain('staging         0');
    expect(historyNote('staging', empty)).toBe('staging: 0 releases in the window; the ledger is empty');
  });

  it('median of even and odd counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeUndefined();
  });
});
