import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { releaseFixture } from '../../support/fakes-release.ts';

const LOCK = '/ferry/shop/staging/lock';

describe('a migration that runs past migrate.timeout', () => {
  it('is stopped and seen STOPPED before the lock is released', async () => {
    const f = releaseFixture();
    f.ecs.migration.polls = Number.MAX_SAFE_INTEGER;
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(f.log).toContain('ECS.StopTask');
    expect(f.parameters.values.has(LOCK)).toBe(false);
  });

  it('keeps the lock, and says why, when the task cannot be confirmed STOPPED', async () => {
    const f = releaseFixture();
    f.ecs.migration.polls = Number.MAX_SAFE_INTEGER;
    f.ecs.stopTask = async () => {
      f.log.push('ECS.StopTask');
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(f.parameters.values.has(LOCK)).toBe(true);
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: 'log', message: expect.stringContaining('keeping the lock') }),
    );
  });
});
