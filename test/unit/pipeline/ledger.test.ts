/** The ledger: one record per release in the parameter's history, read newest first. */
import { describe, expect, it } from 'vitest';
import {
  chooseRollbackTarget,
  type ReleaseRecord,
  readLedger,
  recordRelease,
} from '../../../src/pipeline/ledger.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';

const LEDGER = '/ferry/shop/staging/releases';
const record = (sha: string, over: Partial<ReleaseRecord> = {}): ReleaseRecord => ({
  sha,
  digest: 'sha256:x',
  taskDefinitionArn: 'td:1',
  previousTaskDefinitionArn: null,
  snapshotId: null,
  outcome: 'deployed',
  actor: 'alice',
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: '2026-03-01T00:05:00.000Z',
  steps: [{ name: 'deploy', ms: 5 }],
  ...over,
});

describe('the ledger', () => {
  it('writes the contract fields first, then kind, committedAt and skippedPromotion only when set', async () => {
    const params = new FakeParameters([], new FakeClock(), new Faults());
    await recordRelease(params, 'shop', 'staging', record('1'));
    expect(Object.keys(params.json(LEDGER) as object)).toEqual([
      'sha',
      'digest',
      'taskDefinitionArn',
      'previousTaskDefinitionArn',
      'snapshotId',
      'outcome',
      'actor',
      'startedAt',
      'finishedAt',
      'steps',
    ]);
    const steps = [{ name: 'deploy' as const, ms: 5, extra: 1 } as { name: 'deploy'; ms: number }];
    await recordRelease(params, 'shop', 'staging', {
      ...record('2'),
      steps,
      kind: 'promote',
      committedAt: '2026-02-28T00:00:00.000Z',
      skippedPromotion: true,
    });
    expect(params.json(LEDGER)).toMatchObject({
      kind: 'promote',
      committedAt: '2026-02-28T00:00:00.000Z',
      skippedPromotion: true,
      steps: [{ name: 'deploy', ms: 5 }],
    });
    expect((params.json(LEDGER) as { steps: object[] }).steps[0]).toEqual({ name: 'deploy', ms: 5 });
  });

  it('reads newest first, skipping versions that are not records', async () => {
    const params = new FakeParameters([], new FakeClock(), new Faults());
    await recordRelease(params, 'shop', 'staging', record('1'));
    await params.put(LEDGER, 'edited by hand');
    await params.put(LEDGER, '{"sha":1}');
    await recordRelease(params, 'shop', 'staging', record('2'));
    const entries = await readLedger(params, 'shop', 'staging');
    expect(entries.map((e) => [e.sha, e.version])).toEqual([
      ['2', 4],
      ['1', 1],
    ]);
    expect(await readLedger(params, 'shop', 'production')).toEqual([]);
  });
});

describe('chooseRollbackTarget', () => {
  const entry = (sha: string, version: number, over: Partial<ReleaseRecord> = {}) => ({
    ...record(sha, over),
    version,
  });

  it('skips what runs now, by revision or by SHA', () => {
    const entries = [
      entry('3', 3, { taskDefinitionArn: 'td:3' }),
      entry('2', 2, { taskDefinitionArn: 'td:2' }),
      entry('1', 1),
    ];
    expect(chooseRollbackTarget(entries, { taskDefinitionArn: 'td:3' })).toEqual({ found: entries[1] });
    expect(chooseRollbackTarget(entries, { sha: '3' })).toEqual({ found: entries[1] });
    expect(chooseRollbackTarget(entries, { taskDefinitionArn: 'td:9', sha: '2' })).toEqual({
      found: entries[0],
    });
    expect(chooseRollbackTarget(entries, {})).toEqual({ found: entries[0] });
  });

  it('prefers the exact SHA asked for over longer SHAs it starts, and names at most five when ambiguous', () => {
    const shas = ['abc', 'abc1', 'abc2', 'abc3', 'abc4', 'abc5', 'abc6'];
    const entries = shas.map((s, i) => entry(s, i + 1));
    expect(chooseRollbackTarget(entries, {}, 'abc')).toEqual({ found: entries[0] });
    expect(chooseRollbackTarget(entries, {}, 'abc6')).toEqual({ found: entries[6] });
    expect(chooseRollbackTarget(entries.slice(1), {}, 'ab')).toEqual({
      problem:
        '--to ab is ambiguous: it starts 6 released SHAs: abc1, abc2, abc3, abc4, abc5; give more characters',
    });
  });
});
