/** Read, then plan: every read before the lock; each failure a one-line exit-2 error, nothing changed. */
import { describe, expect, it } from 'vitest';
import { recordRelease } from '../../../src/pipeline/ledger.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import type { ReleaseRequest } from '../../../src/pipeline/request.ts';
import { serverError } from '../../support/fakes.ts';
import {
  mutatingCalls,
  NEW_SHA,
  OLD_SHA,
  planFor,
  recordDeployed,
  releaseFixture,
} from '../../support/fakes-release.ts';

const refusal = async (f: ReturnType<typeof releaseFixture>, request: ReleaseRequest = f.request) => {
  const before = mutatingCalls(f.log);
  const result = await runRelease(f.deps, request);
  expect(result.exitCode).toBe(2);
  expect(result.outcome).toBe('aborted');
  expect(mutatingCalls(f.log)).toEqual(before);
  return result;
};

type Fixture = ReturnType<typeof releaseFixture>;
const rollbackOf = (f: Fixture, to?: string): ReleaseRequest => {
  const { sha: _, ...settings } = f.request;
  return { ...settings, kind: 'rollback', ...(to ? { to } : {}) };
};
const released = (f: Fixture, sha: string, digest: string, taskDefinitionArn: string | null) =>
  recordDeployed(f.parameters, 'staging', { sha, digest, taskDefinitionArn });

describe('read and plan', () => {
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
    await released(f, NEW_SHA, f.newDigest, null);
    const plan = await planFor(f.deps, rollbackOf(f));
    expect(plan).toMatchObject({ kind: 'rollback', sha: NEW_SHA });
    expect(f.log).not.toContain('RDS.DescribeDBInstances');
  });

  it('refuses a rollback to an image that no longer exists', async () => {
    const f = releaseFixture();
    const gone = '1'.repeat(40);
    await released(f, gone, 'sha256:gone', null);
    const result = await refusal(f, rollbackOf(f));
    expect(result.reason).toBe(
      `the image of release ${gone} (shop-staging@sha256:gone) no longer exists in ECR; pick another release with --to`,
    );
  });

  it("reuses a rollback target's recorded revision, and registers one when it cannot be read", async () => {
    const f = releaseFixture();
    const digest = f.registry.tags.get(`shop-staging:${OLD_SHA}`)!;
    await released(f, OLD_SHA, digest, f.oldArn);
    const plan = await planFor(f.deps, rollbackOf(f, OLD_SHA));
    expect(plan.revision).toMatchObject({ kind: 'reuse', arn: f.oldArn });
    expect(plan.digest).toBe(digest);
    await released(f, OLD_SHA, digest, 'arn:aws:ecs:eu-west-1:111111111111:task-definition/gone:9');
    const gone = await planFor(f.deps, rollbackOf(f, OLD_SHA));
    expect(gone.revision.kind).toBe('reuse'); // the family's latest carries that very release
    await released(f, OLD_SHA, digest, null);
    const unrecorded = await planFor(f.deps, rollbackOf(f, OLD_SHA));
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
    const plan = await planFor(f.deps, f.request);
    expect(plan.revision).toMatchObject({ kind: 'reuse', arn: newArn });
    expect(plan.services[0]!.previousTaskDefinitionArn).toBe(f.oldArn);
    expect(plan.previousSha).toBe(OLD_SHA);
  });

  it('accepts a promotion whose target already tags the SHA as that same image (a re-run)', async () => {
    const f = releaseFixture();
    await released(f, NEW_SHA, f.newDigest, null);
    const { sha: _, ...settings } = f.request;
    const deps = { ...f.deps, source: { env: 'qa', ports: f.ports, descriptor: f.request.descriptor } };
    // The source's ledger (here the same store, under qa) says NEW passed there.
    await recordDeployed(f.parameters, 'qa', { sha: NEW_SHA, digest: f.newDigest });
    const plan = await planFor(deps, { ...settings, kind: 'promote', from: 'qa', sha: NEW_SHA });
    expect(plan.digest).toBe(f.newDigest);
    expect(plan.promotion).toEqual({ from: 'qa', sourceCheck: 'run' });
  });
});
