/**
 * The read-only choices commands make before a release: what runs where
 * (`ferry status`), which release a rollback returns to, and which release a
 * promotion takes from its source.
 */
import { describe, expect, it } from 'vitest';
import { type ReleaseRecord, recordRelease } from '../../../src/pipeline/ledger.ts';
import { choosePromotion } from '../../../src/pipeline/promotion.ts';
import { readReleaseState } from '../../../src/pipeline/read.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { readEnvironmentStatus, readServiceStatus } from '../../../src/pipeline/status.ts';
import {
  NEW_SHA,
  OLD_SHA,
  REPO_URI,
  releaseFixture,
  SERVICE,
  testDescriptor,
} from '../../support/fakes-release.ts';

const record = (over: Partial<ReleaseRecord>): ReleaseRecord => ({
  kind: 'deploy',
  sha: OLD_SHA,
  digest: 'sha256:x',
  taskDefinitionArn: null,
  previousTaskDefinitionArn: null,
  snapshotId: null,
  outcome: 'deployed',
  actor: 'alice',
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: '2026-03-01T00:05:00.000Z',
  steps: [],
  ...over,
});

describe('readServiceStatus', () => {
  it('reads the PRIMARY revision, its SHA, digest and image', async () => {
    const f = releaseFixture();
    const oldDigest = f.registry.tags.get(`shop-staging:${OLD_SHA}`)!;
    expect(await readServiceStatus(f.ports, f.request.descriptor, SERVICE, 'web')).toEqual({
      name: SERVICE,
      taskDefinitionArn: f.oldArn,
      sha: OLD_SHA,
      digest: oldDigest,
      image: `${REPO_URI}@${oldDigest}`,
      rolloutState: 'COMPLETED',
      running: 2,
      desired: 2,
      deployments: 1,
    });
  });

  it('takes the digest from the pinned image of a revision ferry did not tag', async () => {
    const f = releaseFixture();
    const def = f.ecs.addRevision('shop-staging-web', 'v9', `${REPO_URI}@sha256:abc`);
    f.ecs.addService(SERVICE, def.arn);
    expect(await readServiceStatus(f.ports, f.request.descriptor, SERVICE, 'web')).toMatchObject({
      sha: 'v9',
      digest: 'sha256:abc',
    });
    const byTag = f.ecs.addRevision('shop-staging-web', '', `${REPO_URI}:latest`);
    f.ecs.addService(SERVICE, byTag.arn);
    const status = await readServiceStatus(f.ports, f.request.descriptor, SERVICE, 'web');
    expect(status).not.toHaveProperty('digest');
    expect(status).not.toHaveProperty('sha');
    expect(status.image).toBe(`${REPO_URI}:latest`);
  });

  it('still reports a service whose revision cannot be read', async () => {
    const f = releaseFixture();
    f.ecs.addService(SERVICE, 'arn:aws:ecs:eu-west-1:111111111111:task-definition/gone:1');
    const status = await readServiceStatus(f.ports, f.request.descriptor, SERVICE, 'web');
    expect(status).toEqual({
      name: SERVICE,
      taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/gone:1',
      rolloutState: 'COMPLETED',
      running: 2,
      desired: 2,
      deployments: 1,
    });
  });
});

describe('readEnvironmentStatus', () => {
  it('lists the services, the newest releases first (at most N) and the lock', async () => {
    const f = releaseFixture();
    for (const sha of ['1', '2', '3'].map((c) => c.repeat(40)))
      await recordRelease(f.parameters, 'shop', 'staging', record({ sha }));
    const status = await readEnvironmentStatus(f.ports, f.request.descriptor, 'staging', 2);
    expect(status.env).toBe('staging');
    expect(status.services.map((s) => s.sha)).toEqual([OLD_SHA]);
    expect(status.releases.map((r) => r.sha[0])).toEqual(['3', '2']);
    expect(status).not.toHaveProperty('lock');
    await f.parameters.put('/ferry/shop/staging/lock', JSON.stringify({ runId: 'r', expiresAt: 'x' }));
    expect((await readEnvironmentStatus(f.ports, f.request.descriptor, 'staging')).lock).toEqual({
      runId: 'r',
      expiresAt: 'x',
    });
  });
});

/** Where a rollback goes, as the read step finds it. */
async function findRollbackTarget(f: ReturnType<typeof releaseFixture>, to?: string) {
  const { sha: _, ...settings } = f.request;
  const state = await readReleaseState(f.deps, { ...settings, kind: 'rollback', ...(to ? { to } : {}) });
  return state;
}

describe('the rollback target', () => {
  it('is the newest successful release other than what runs now', async () => {
    const f = releaseFixture();
    await recordRelease(
      f.parameters,
      'shop',
      'staging',
      record({ sha: '1'.repeat(40), taskDefinitionArn: 'td:1' }),
    );
    await recordRelease(
      f.parameters,
      'shop',
      'staging',
      record({ sha: '2'.repeat(40), outcome: 'rolled_back' }),
    );
    await recordRelease(
      f.parameters,
      'shop',
      'staging',
      record({ sha: OLD_SHA, taskDefinitionArn: f.oldArn }),
    );
    const target = await findRollbackTarget(f);
    expect(target.sha).toBe('1'.repeat(40));
    expect((await findRollbackTarget(f, OLD_SHA.slice(0, 7))).sha).toBe(OLD_SHA);
  });

  it('refuses (exit 2) when there is nothing to return to', async () => {
    const f = releaseFixture();
    await recordRelease(
      f.parameters,
      'shop',
      'staging',
      record({ sha: OLD_SHA, taskDefinitionArn: f.oldArn }),
    );
    await expect(findRollbackTarget(f)).rejects.toMatchObject({
      exitCode: 2,
      message: 'no earlier successful release in the ledger to roll back to; see `ferry history`',
    });
  });
});

describe('choosePromotion', () => {
  /** staging ran NEW_SHA through ferry: its ledger says so and its image exists. */
  async function promotable() {
    const f = releaseFixture();
    expect((await runRelease(f.deps, f.request)).exitCode).toBe(0);
    return f;
  }

  it('takes exactly what runs in the source, with its ledger entry', async () => {
    const f = await promotable();
    const choice = await choosePromotion(f.ports, f.request.descriptor, 'staging');
    expect(choice).toMatchObject({
      sha: NEW_SHA,
      digest: f.newDigest,
      passed: { sha: NEW_SHA, outcome: 'deployed' },
    });
  });

  it('takes a release that passed the source by (short) SHA', async () => {
    const f = await promotable();
    const choice = await choosePromotion(f.ports, f.request.descriptor, 'staging', NEW_SHA.slice(0, 8));
    expect(choice).toMatchObject({ sha: NEW_SHA, digest: f.newDigest });
  });

  it('refuses a SHA that never passed the source', async () => {
    const f = await promotable();
    await expect(choosePromotion(f.ports, f.request.descriptor, 'staging', OLD_SHA)).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining(`--sha ${OLD_SHA} never passed staging`),
    });
  });

  it('refuses a short SHA that matches several releases', async () => {
    const f = releaseFixture();
    const a = `abc${'1'.repeat(37)}`;
    const b = `abc${'2'.repeat(37)}`;
    await recordRelease(f.parameters, 'shop', 'staging', record({ sha: a }));
    await recordRelease(f.parameters, 'shop', 'staging', record({ sha: b }));
    await expect(choosePromotion(f.ports, f.request.descriptor, 'staging', 'abc')).rejects.toMatchObject({
      exitCode: 2,
      message: '--sha abc matches several releases of staging; give more characters of the SHA',
    });
  });

  it('refuses when the image no longer exists', async () => {
    const f = await promotable();
    f.registry.tags.clear();
    await expect(choosePromotion(f.ports, f.request.descriptor, 'staging')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('no longer exists'),
    });
  });

  it('refuses what runs in the source when ferry did not deploy and verify it there', async () => {
    const f = releaseFixture();
    await expect(choosePromotion(f.ports, f.request.descriptor, 'staging')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('is not a release ferry deployed and verified there'),
    });
  });

  it('refuses a source that is mid-rollout, or whose release cannot be told', async () => {
    const f = await promotable();
    f.ecs.scripts.set(OLD_SHA, { kind: 'stuck' });
    await f.ecs.updateService('shop-staging', SERVICE, f.oldArn);
    await expect(choosePromotion(f.ports, f.request.descriptor, 'staging')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringContaining('staging is mid-rollout (IN_PROGRESS)'),
    });
    const g = releaseFixture({ descriptor: testDescriptor() });
    const byTag = g.ecs.addRevision('shop-staging-web', '', `${REPO_URI}:latest`);
    g.ecs.addService(SERVICE, byTag.arn);
    await expect(choosePromotion(g.ports, g.request.descriptor, 'staging')).rejects.toMatchObject({
      exitCode: 2,
      message: `cannot tell which release runs in staging (${SERVICE}); give --sha`,
    });
  });
});
