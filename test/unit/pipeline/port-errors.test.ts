/**
 * Adapters say what AWS answered and what to check, as typed errors without an
 * exit code; the pipeline decides what the answer means for the release and
 * keeps the adapter's hint in the result's next steps.
 */
import { describe, expect, it } from 'vitest';
import { ImageCopyError } from '../../../src/pipeline/port-errors.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { RUN_TASK_HINT } from '../../support/fakes.ts';
import { promotionFixture, releaseFixture } from '../../support/fakes-release.ts';

describe('a migration task ECS does not start', () => {
  it("fails the release with exit 1, ECS's reason, and the hint in next", async () => {
    const f = releaseFixture();
    f.ecs.runTaskFailures = ['RESOURCE:MEMORY'];
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.reason).toContain('ECS did not start the task');
    expect(result.reason).toContain('RESOURCE:MEMORY');
    expect(result.next).toContain(RUN_TASK_HINT);
    expect(result.next?.[0]).toMatch(/^the service was not changed/);
    expect(f.log).not.toContain('ECS.UpdateService');
  });
});

describe('an image copy the adapter refuses', () => {
  it('fails the promotion with exit 1 (nothing deployed), keeping what to check in next', async () => {
    const hint = 'Inspect the target repository with `aws ecr describe-images` before releasing from it.';
    const { f, request } = await promotionFixture(async () => {
      throw new ImageCopyError('after the copy, shop-staging reports another digest', hint);
    });
    const result = await runRelease(f.deps, request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.reason).toContain('reports another digest');
    expect(result.next).toContain(hint);
    expect(f.ecs.updates).toEqual([]);
  });
});
