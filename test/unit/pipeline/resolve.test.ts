/** Resolve: every read before the lock; each failure a one-line exit-2 error, nothing changed. */
import { describe, expect, it } from 'vitest';
import { recordRelease } from '../../../src/pipeline/ledger.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { resolvePlan } from '../../../src/pipeline/resolve.ts';
import { serverError } from '../../support/fakes.ts';
import { mutatingCalls, NEW_SHA, OLD_SHA, releaseFixture } from '../../support/fakes-release.ts';

const refusal = async (f: ReturnType<typeof releaseFixture>, request = f.request) => {
  const result = await runRelease(f.deps, request);
  expect(result.exitCode).toBe(2);
  expect(result.outcome).toBe('aborted');
  expect(mutatingCalls(f.log)).toEqual([]);
  return result;
};

describe('resolve', () => {
  it('refuses a descriptor whose database does not exist', async () => {
    const f = releaseFixture();
    f.database.status = undefined;
    const result = await refusal(f);
    expect(result.reason).toBe(
      'database shop-staging (descriptor database.identifier) does not exist; fix the descriptor',
    );
  });

  it('does not read the database for a rollback, which never migrates', async () => {
    const f = releaseFixture();
    f.database.status = undefined;
    const plan = await resolvePlan(f.deps, { ...f.request, kind: 'rollback', sha: NEW_SHA });
    expect(plan.kind).toBe('rollback');
    expect(f.log).not.toContain('RDS.DescribeDBInstances');
  });

  it('refuses a rollback to an image that no longer exists', async () => {
    const f = releaseFixture();
    const result = await refusal(f, {
      ...f.request,
      kind: 'rollback',
      sha: OLD_SHA,
      rollbackTo: { digest: 'sha256:gone', taskDefinitionArn: null },
    });
    expect(result.reason).toBe(
      `the image of release ${OLD_SHA} (shop-staging@sha256:gone) no longer exists in ECR; pick another release with --to`,
    );
  });

  it("reuses a rollback target's recorded revision, and registers one when it cannot be read", async () => {
    const f = releaseFixture();
    const digest = f.registry.tags.get(`shop-staging:${OLD_SHA}`)!;
    const rollback = { ...f.request, kind: 'rollback' as const, sha: OLD_SHA };
    const plan = await resolvePlan(f.deps, {
      ...rollback,
      rollbackTo: { digest, taskDefinitionArn: f.oldArn },
    });
    expect(plan.revision).toMatchObject({ kind: 'reuse', arn: f.oldArn });
    expect(plan.digest).toBe(digest);
    const gone = await resolvePlan(f.deps, {
      ...rollback,
      rollbackTo: { digest, taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/gone:9' },
    });
    expect(gone.revision.kind).toBe('reuse'); // the family's latest carries that very release
    const unrecorded = await resolvePlan(f.deps, {
      ...rollback,
      rollbackTo: { digest, taskDefinitionArn: null },
    });
    expect(unrecorded.revision).toMatchObject({ kind: 'reuse', arn: f.oldArn });
  });

  it('turns a read that keeps failing into a refusal: nothing was changed', async () => {
    const f = releaseFixture();
    f.faults.inject('DescribeServices', ...Array.from({ length: 5 }, serverError));
    const result = await refusal(f);
    expect(result.reason).toBe(
      'service shop-staging-web in cluster shop-staging: StateUnknownError: service shop-staging-web in cluster shop-staging: 5 AWS calls in a row failed (last: InternalFailure: Internal)',
    );
    expect(result.next).toEqual(['nothing was changed']);
  });

  it('refuses when the task definition family cannot be read', async () => {
    const f = releaseFixture();
    f.ecs.defs.clear();
    const result = await refusal(f);
    expect(result.reason).toBe(
      'task definition family shop-staging-web: ClientException: no task definition shop-staging-web',
    );
  });

  it('takes the previous revision from the ledger on a re-run, skipping failed releases and the target', async () => {
    const f = releaseFixture();
    const base = {
      kind: 'deploy' as const,
      digest: 'sha256:x',
      previousTaskDefinitionArn: null,
      snapshotId: null,
      actor: 'a',
      startedAt: '2026-03-01T00:00:00.000Z',
      finishedAt: '2026-03-01T00:00:00.000Z',
      steps: [],
    };
    await recordRelease(f.parameters, 'shop', 'staging', {
      ...base,
      sha: OLD_SHA,
      taskDefinitionArn: f.oldArn,
      outcome: 'deployed',
    });
    await runRelease(f.deps, f.request);
    const newArn = f.ecs.updates[0]!.taskDefinitionArn;
    await recordRelease(f.parameters, 'shop', 'staging', {
      ...base,
      sha: 'c'.repeat(40),
      taskDefinitionArn: 'arn:failed:1',
      outcome: 'rolled_back',
    });
    const plan = await resolvePlan(f.deps, f.request);
    expect(plan.revision).toMatchObject({ kind: 'reuse', arn: newArn });
    expect(plan.services[0]!.previousTaskDefinitionArn).toBe(f.oldArn);
    expect(plan.previousSha).toBe(OLD_SHA);
  });

  it('accepts a promotion whose target already tags the SHA as that same image (a re-run)', async () => {
    const f = releaseFixture();
    const plan = await resolvePlan(f.deps, {
      ...f.request,
      promotion: { from: 'staging', digest: f.newDigest },
    });
    expect(plan.digest).toBe(f.newDigest);
  });
});
