/**
 * The snapshot is the migration's safety net: a snapshot that failed, timed out
 * or could not start is never treated as taken, and the migration never runs
 * after it. Retention keeps the newest snapshots by creation time, never by name.
 */
import { describe, expect, it } from 'vitest';
import type { DbSnapshot } from '../../../src/pipeline/ports.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { snapshotsToDelete } from '../../../src/pipeline/retention.ts';
import { SNAPSHOT_TIMEOUT_MS } from '../../../src/pipeline/snapshot.ts';
import { releaseFixture, testConfig } from '../../support/fakes-release.ts';

const PLANNED = 'ferry-staging-bbbbbbb-20260304050607';
const ours = { 'ferry:managed': 'true', 'ferry:env': 'staging' };

/** No migration, no new revision, no rollout: the run stopped at the snapshot. */
function expectStoppedAtSnapshot(f: ReturnType<typeof releaseFixture>) {
  expect(f.log).not.toContain('ECS.RunTask');
  expect(f.log).not.toContain('ECS.RegisterTaskDefinition');
  expect(f.log).not.toContain('ECS.UpdateService');
  expect(f.ecs.updates).toEqual([]);
  const snapshotStep = f.events.filter((e) => e.type === 'step' && e.step === 'snapshot');
  expect(snapshotStep.at(-1)).toMatchObject({ status: 'failed' });
  expect(f.events.some((e) => e.type === 'step' && e.step === 'migrate')).toBe(false);
  expect(f.parameters.values.has('/ferry/shop/staging/lock')).toBe(false);
}

describe('a snapshot that is not taken', () => {
  it('stops the release before the migration when the snapshot fails', async () => {
    const f = releaseFixture();
    const describeSnapshot = f.database.describeSnapshot.bind(f.database);
    f.database.describeSnapshot = async (id) => {
      const s = await describeSnapshot(id);
      return s && { ...s, status: 'failed' };
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1, snapshotId: PLANNED });
    expect(result.reason).toBe(`snapshot ${PLANNED} failed`);
    expectStoppedAtSnapshot(f);
  });

  it('stops the release when the snapshot is not available within the snapshot timeout', async () => {
    const f = releaseFixture({ pollIntervalMs: 60_000 });
    f.database.snapshotPolls = Number.POSITIVE_INFINITY;
    const start = f.clock.now().getTime();
    const result = await runRelease(f.deps, { ...f.request, lockTtlMs: 2 * SNAPSHOT_TIMEOUT_MS });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1, snapshotId: PLANNED });
    expect(result.reason).toContain('was not available in time');
    expect(f.clock.now().getTime() - start).toBeLessThanOrEqual(SNAPSHOT_TIMEOUT_MS + 60_000);
    expect(f.clock.now().getTime() - start).toBeGreaterThanOrEqual(SNAPSHOT_TIMEOUT_MS - 60_000);
    expectStoppedAtSnapshot(f);
  });

  it('stops the release when the database never becomes available to snapshot', async () => {
    const f = releaseFixture({ pollIntervalMs: 60_000 });
    let reads = 0;
    f.database.describeStatus = async () => (++reads === 1 ? 'available' : 'backing-up');
    const result = await runRelease(f.deps, { ...f.request, lockTtlMs: 2 * SNAPSHOT_TIMEOUT_MS });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.reason).toBe('database shop-staging did not become available to snapshot');
    expect(f.log).not.toContain('RDS.CreateDBSnapshot');
    expectStoppedAtSnapshot(f);
  });

  it('waits for the database to be available before it snapshots', async () => {
    const f = releaseFixture();
    const statuses = ['available', 'modifying', 'modifying', 'available'];
    f.database.describeStatus = async () => {
      f.log.push('RDS.DescribeDBInstances');
      return statuses.shift() ?? 'available';
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(0);
    expect(f.log.filter((c) => c === 'RDS.DescribeDBInstances')).toHaveLength(4);
    expect(f.log.lastIndexOf('RDS.DescribeDBInstances')).toBeLessThan(f.log.indexOf('RDS.CreateDBSnapshot'));
  });

  it('stops the release when CreateDBSnapshot is refused, keeping the id in case it was carried out', async () => {
    const f = releaseFixture();
    f.database.createSnapshot = async () => {
      throw Object.assign(new Error('Cannot create more than 100 manual snapshots'), {
        name: 'SnapshotQuotaExceeded',
      });
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1, snapshotId: PLANNED });
    expect(result.reason).toBe(
      `snapshot ${PLANNED}: SnapshotQuotaExceeded: Cannot create more than 100 manual snapshots`,
    );
    expect(result.next).toContain(`database snapshot (failed or late): ${PLANNED}`);
    expectStoppedAtSnapshot(f);
  });

  it('is a warning only when retention cannot list the old snapshots', async () => {
    const f = releaseFixture();
    f.database.listSnapshots = async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDenied' });
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0, snapshotId: PLANNED });
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: 'log', level: 'warn', message: 'snapshot retention skipped: denied' }),
    );
  });
});

describe('snapshot retention', () => {
  const snap = (id: string, createdAt: string | undefined, status = 'available'): DbSnapshot => ({
    id,
    status,
    ...(createdAt ? { createdAt: new Date(createdAt) } : {}),
    tags: { ...ours },
  });

  it('keeps the newest by creation time, though their names sort the other way', () => {
    // Real names lead with the SHA: name order says nothing about age.
    const all = [
      snap('ferry-staging-0000000-20260303000000', '2026-03-03T00:00:00Z'),
      snap('ferry-staging-fffffff-20260101000000', '2026-01-01T00:00:00Z'),
      snap('ferry-staging-aaaaaaa-20260302000000', '2026-03-02T00:00:00Z'),
      snap('ferry-staging-9999999-20260201000000', '2026-02-01T00:00:00Z'),
    ];
    expect(snapshotsToDelete(all, 'staging', 2).map((s) => s.id)).toEqual([
      'ferry-staging-9999999-20260201000000',
      'ferry-staging-fffffff-20260101000000',
    ]);
    expect(snapshotsToDelete([...all].reverse(), 'staging', 1).map((s) => s.id)).toEqual([
      'ferry-staging-aaaaaaa-20260302000000',
      'ferry-staging-9999999-20260201000000',
      'ferry-staging-fffffff-20260101000000',
    ]);
  });

  it('counts a snapshot still being created as the newest, and never deletes one that is not available', () => {
    const all = [
      snap('ferry-staging-0000000-20260305000000', undefined, 'creating'),
      snap('ferry-staging-fffffff-20260301000000', '2026-03-01T00:00:00Z'),
      snap('ferry-staging-eeeeeee-20260201000000', '2026-02-01T00:00:00Z', 'creating'),
      snap('ferry-staging-ddddddd-20260101000000', '2026-01-01T00:00:00Z'),
    ];
    expect(snapshotsToDelete(all, 'staging', 1).map((s) => s.id)).toEqual([
      'ferry-staging-fffffff-20260301000000',
      'ferry-staging-ddddddd-20260101000000',
    ]);
    expect(snapshotsToDelete(all, 'staging', 2).map((s) => s.id)).toEqual([
      'ferry-staging-ddddddd-20260101000000',
    ]);
  });

  it('orders snapshots of the same second by name, newest name first', () => {
    const at = '2026-03-01T00:00:00Z';
    const all = [
      snap('ferry-staging-aaaaaaa-x', at),
      snap('ferry-staging-bbbbbbb-x', at),
      snap('ferry-staging-ccccccc-x', at),
    ];
    expect(snapshotsToDelete(all, 'staging', 1).map((s) => s.id)).toEqual([
      'ferry-staging-bbbbbbb-x',
      'ferry-staging-aaaaaaa-x',
    ]);
  });

  it("leaves another environment's snapshots alone, even when tagged for it under this prefix", () => {
    const other = {
      ...snap('ferry-staging-1111111-20200101000000', '2020-01-01T00:00:00Z'),
      tags: { ...ours, 'ferry:env': 'production' },
    };
    const untagged = {
      ...snap('ferry-staging-2222222-20200101000000', '2020-01-01T00:00:00Z'),
      tags: { 'ferry:managed': 'true' },
    };
    expect(snapshotsToDelete([other, untagged], 'staging', 0).map((s) => s.id)).toEqual([untagged.id]);
  });

  it('deletes the oldest in a real run, whatever the names say', async () => {
    const f = releaseFixture({ config: testConfig({ snapshots: { keep: 2 } }) });
    f.database.add('ferry-staging-0000000-20260301000000', new Date('2026-03-01T00:00:00Z'), ours);
    f.database.add('ferry-staging-fffffff-20260201000000', new Date('2026-02-01T00:00:00Z'), ours);
    f.database.add('ferry-staging-1111111-20260101000000', new Date('2026-01-01T00:00:00Z'), ours);
    await runRelease(f.deps, f.request);
    expect([...f.database.snapshots.keys()].sort()).toEqual([
      'ferry-staging-0000000-20260301000000',
      PLANNED,
    ]);
  });
});
