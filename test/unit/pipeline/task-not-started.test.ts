/**
 * The adapter says why ECS started no migration task and what to check; the
 * pipeline decides what that means for the release (exit 1, the service not
 * changed) and keeps the hint in the result's next steps.
 */
import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { RUN_TASK_HINT } from '../../support/fakes.ts';
import { releaseFixture } from '../../support/fakes-release.ts';

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
