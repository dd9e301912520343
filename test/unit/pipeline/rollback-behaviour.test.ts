/**
 * What the rollback branch must never assume: a COMPLETED rollout that ECS
 * itself reports as rolled back is a failure; ECS's own rollback is waited for,
 * never presumed; after a rollback the old version (not any version) must answer;
 * a re-run never "rolls back" onto the revision that is failing.
 */
import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { recordRelease } from '../../../src/pipeline/ledger.ts';
import type { HttpProbe, ServiceDeploymentStatus } from '../../../src/pipeline/ports.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { NEW_SHA, OLD_SHA, planFor, releaseFixture, SERVICE } from '../../support/fakes-release.ts';

const stepStatus = (events: FerryEvent[], step: string) =>
  events.filter((e) => e.type === 'step' && e.step === step).map((e) => (e as { status: string }).status);

/** ECS reports a service deployment per PRIMARY revision; `statusFor` says what it reports for each. */
function withServiceDeployments(
  f: ReturnType<typeof releaseFixture>,
  statusFor: (taskDefinitionArn: string) => ServiceDeploymentStatus,
) {
  const describeService = f.ecs.describeService.bind(f.ecs);
  f.ecs.describeService = async (cluster, name) => {
    const s = await describeService(cluster, name);
    const primary = s.deployments.find((d) => d.status === 'PRIMARY')!;
    return { ...s, currentServiceDeploymentArn: `sd|${primary.taskDefinitionArn}` };
  };
  const asked: string[] = [];
  f.ports.ecs.describeServiceDeployment = async (arn: string) => {
    f.log.push('ECS.DescribeServiceDeployments');
    asked.push(arn);
    return { status: statusFor(arn.slice(3)), statusReason: 'tasks failed to start' };
  };
  return asked;
}

describe('confirming a COMPLETED rollout', () => {
  it('fails a release whose service deployment ECS reports as ROLLBACK_SUCCESSFUL, and puts the old version back', async () => {
    const f = releaseFixture();
    const asked = withServiceDeployments(f, (arn) =>
      arn === f.oldArn ? 'SUCCESSFUL' : 'ROLLBACK_SUCCESSFUL',
    );
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toContain('service deployment ROLLBACK_SUCCESSFUL: tasks failed to start');
    expect(stepStatus(f.events, 'watch')).toEqual(['start', 'failed']);
    expect(stepStatus(f.events, 'verify')).toEqual([]);
    expect(asked.length).toBeGreaterThan(0);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
  });

  it('deploys when the service deployment is SUCCESSFUL', async () => {
    const f = releaseFixture();
    const asked = withServiceDeployments(f, () => 'SUCCESSFUL');
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(asked).toHaveLength(1);
  });

  it('treats ROLLBACK_FAILED during ECS rollback as a rollback that failed (exit 3)', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1 });
    withServiceDeployments(f, (arn) => (arn === f.oldArn ? 'ROLLBACK_FAILED' : 'IN_PROGRESS'));
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('ECS reports ROLLBACK_FAILED');
  });
});

describe("ECS's own rollback", () => {
  it('is waited for, and ferry issues no UpdateService of its own while ECS rolls back', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 2 });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates).toHaveLength(1);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
  });

  it('is waited for when the breaker has failed the deployment and ECS has not yet started rolling back', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 2 });
    // The first look after the breaker tripped still shows our FAILED deployment as PRIMARY.
    const describeService = f.ecs.describeService.bind(f.ecs);
    let hidden = false;
    f.ecs.describeService = async (cluster, name) => {
      const s = await describeService(cluster, name);
      const failed = s.deployments.find((d) => d.rolloutState === 'FAILED');
      if (!failed || hidden) return s;
      hidden = true;
      return { ...s, deployments: [{ ...failed, status: 'PRIMARY' }] };
    };
    const result = await runRelease(f.deps, f.request);
    expect(hidden).toBe(true);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates).toHaveLength(1);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
  });

  it('is not assumed done when ECS never starts it: ferry rolls back itself', async () => {
    const f = releaseFixture();
    // The breaker fails the deployment, but ECS does not roll back (rollback off, or it never began).
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1, final: true });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates.map((u) => u.taskDefinitionArn)).toEqual([expect.stringMatching(/:2$/), f.oldArn]);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
  });

  it('that fails leaves a person to look (exit 3), with the command to retry', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1, rollbackFails: true });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('the rollback deployment failed');
    expect(result.next).toContain(
      `or by hand: aws ecs update-service --cluster shop-staging --service ${SERVICE} --task-definition ${f.oldArn}`,
    );
  });

  it('that does not finish in time is not a restored service', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1 });
    f.ecs.scripts.set(OLD_SHA, { kind: 'stuck' });
    // The fake picks the rollback's script from the old version only for ferry's own UpdateService;
    // ECS's rollback is kept IN_PROGRESS by hand.
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (cluster, name) => {
      const s = await describeService(cluster, name);
      for (const d of s.deployments) if (d.taskDefinitionArn === f.oldArn) d.rolloutState = 'IN_PROGRESS';
      return s;
    };
    const result = await runRelease(f.deps, { ...f.request, timeoutMs: 60_000 });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('ECS rollback did not finish in time');
  });
});

describe('after a rollback', () => {
  it('requires the previous version to answer, not just any version', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    const real: HttpProbe = f.http;
    // The load balancer answers healthy, but with a version that is neither old nor new.
    f.ports.http = {
      get: async (url, timeoutMs) => {
        const answer = await real.get(url, timeoutMs);
        return 'status' in answer && answer.status === 200
          ? { status: 200, body: JSON.stringify({ version: 'c'.repeat(40) }) }
          : answer;
      },
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('the old version does not answer');
  });

  it('knows the previous version from the revision the service ran', async () => {
    const f = releaseFixture();
    const plan = await planFor(f.deps, f.request);
    expect(plan.previousSha).toBe(OLD_SHA);
    expect(plan.services[0]!.previousTaskDefinitionArn).toBe(f.oldArn);
  });
});

describe('a re-run after a crash', () => {
  it('rolls back to the release before, never onto the revision that is failing', async () => {
    const f = releaseFixture();
    // The old release is in the ledger; a crashed run left NEW fully rolled out.
    await recordRelease(f.parameters, 'shop', 'staging', {
      kind: 'deploy',
      sha: OLD_SHA,
      digest: 'sha256:old',
      taskDefinitionArn: f.oldArn,
      previousTaskDefinitionArn: null,
      snapshotId: null,
      outcome: 'deployed',
      actor: 'alice',
      startedAt: '2026-03-01T00:00:00.000Z',
      finishedAt: '2026-03-01T00:05:00.000Z',
      steps: [],
    });
    const first = await runRelease(f.deps, f.request);
    expect(first.exitCode).toBe(0);
    const newArn = f.ecs.updates[0]!.taskDefinitionArn;

    f.http.unhealthy.set(NEW_SHA, 0);
    const plan = await planFor(f.deps, f.request);
    expect(plan.services[0]).toMatchObject({ converged: true, previousTaskDefinitionArn: f.oldArn });
    expect(plan.previousSha).toBe(OLD_SHA);
    const again = await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(again).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates.map((u) => u.taskDefinitionArn)).toEqual([newArn, f.oldArn]);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
  });
});
