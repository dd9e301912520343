import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { NEW_SHA, releaseFixture } from '../../support/fakes-release.ts';

const PLANNED = 'ferry-staging-bbbbbbb-20260304050607';

describe('the snapshot of a re-run', () => {
  it('reuses the snapshot a killed run of the same SHA started in the same second, instead of failing', async () => {
    const f = releaseFixture();
    f.database.add(PLANNED, f.clock.now(), {
      'ferry:managed': 'true',
      'ferry:env': 'staging',
      'ferry:sha': NEW_SHA,
    });
    f.database.snapshots.get(PLANNED)!.status = 'creating';
    const result = await runRelease(f.deps, f.request);
    expect(result, result.reason).toMatchObject({ outcome: 'deployed', exitCode: 0, snapshotId: PLANNED });
  });

  it("does not pass off another SHA's snapshot as its own", async () => {
    const f = releaseFixture();
    f.database.add(PLANNED, f.clock.now(), {
      'ferry:managed': 'true',
      'ferry:env': 'staging',
      'ferry:sha': 'c'.repeat(40),
    });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(f.ecs.updates).toHaveLength(0);
  });

  it('keeps and prints the id of a snapshot that failed', async () => {
    const f = releaseFixture();
    const create = f.database.createSnapshot.bind(f.database);
    f.database.createSnapshot = async (db, id, tags) => {
      const snap = await create(db, id, tags);
      f.database.snapshots.get(id)!.status = 'failed';
      f.database.snapshotPolls = 1000;
      return snap;
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1, snapshotId: PLANNED });
    expect(result.reason).toContain(PLANNED);
  });
});
