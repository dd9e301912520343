/** The result a run ends with, the ledger record it leaves, and what an interrupted run prints. */
import { describe, expect, it } from 'vitest';
import type { Git } from '../../../src/migrations/git.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { NEW_SHA, releaseFixture, SERVICE, testConfig } from '../../support/fakes-release.ts';

/** A history without migrations to check: only the commit time is asked. */
const noGit: Git = {
  commit: async () => undefined,
  isShallow: async () => false,
  changedFiles: async () => [],
  listFiles: async () => [],
  readFile: async () => '',
};

const LEDGER = '/ferry/shop/staging/releases';
const SNAPSHOT = 'ferry-staging-bbbbbbb-20260304050607';

describe('the result event', () => {
  it('carries everything a reader of --json needs about a rolled-back release', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    const result = await runRelease(f.deps, f.request);
    const newArn = f.ecs.updates[0]!.taskDefinitionArn;
    expect(f.events.at(-1)).toEqual({
      type: 'result',
      outcome: 'rolled_back',
      exitCode: 1,
      env: 'staging',
      sha: NEW_SHA,
      kind: 'deploy',
      digest: f.newDigest,
      snapshotId: SNAPSHOT,
      taskDefinitionArn: newArn,
      reason: result.reason,
      next: result.next,
    });
    expect(f.events.filter((e) => e.type === 'result')).toHaveLength(1);
  });

  it('says skippedPromotion when the release bypassed promotion, and records it with committedAt', async () => {
    const f = releaseFixture({
      config: testConfig({ environments: { qa: {}, staging: { promoteFrom: 'qa' } } }),
    });
    const history = { git: noGit, committedAt: async () => '2026-03-03T00:00:00.000Z' };
    await runRelease({ ...f.deps, history }, { ...f.request, skipPromotion: true });
    expect(f.events.at(-1)).toMatchObject({ type: 'result', outcome: 'deployed', skippedPromotion: true });
    expect(f.parameters.json(LEDGER)).toMatchObject({
      skippedPromotion: true,
      committedAt: '2026-03-03T00:00:00.000Z',
    });
    const g = releaseFixture();
    await runRelease(g.deps, g.request);
    expect(g.events.at(-1)).not.toHaveProperty('skippedPromotion');
    expect(g.parameters.json(LEDGER)).not.toHaveProperty('committedAt');
  });
});

describe('the ledger record', () => {
  it('has no revision when the run stopped before registering one, and times every step but itself', async () => {
    const f = releaseFixture();
    f.database.describeSnapshot = async (id) => {
      const s = f.database.snapshots.get(id);
      return s && { ...s, status: 'failed' };
    };
    await runRelease(f.deps, f.request);
    const record = f.parameters.json(LEDGER) as {
      taskDefinitionArn: unknown;
      previousTaskDefinitionArn: unknown;
      outcome: string;
      steps: { name: string }[];
    };
    expect(record).toMatchObject({
      taskDefinitionArn: null,
      previousTaskDefinitionArn: f.oldArn,
      outcome: 'failed',
    });
    expect(record.steps.map((s) => s.name)).toEqual(['resolve', 'lock', 'snapshot']);
  });
});

describe('an interrupted run', () => {
  it('prints what ECS is doing when interrupted after UpdateService, and keeps the revision and snapshot in its result', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'stuck' });
    f.ecs.onDescribeService = (n) => {
      if (n === 3) f.controller.abort(new Error('SIGINT'));
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({
      outcome: 'aborted',
      exitCode: 130,
      snapshotId: SNAPSHOT,
      digest: f.newDigest,
    });
    expect(result.taskDefinitionArn).toMatch(/:2$/);
    expect(result.next).toContain(`database snapshot: ${SNAPSHOT}`);
    const lines = f.events
      .filter((e) => e.type === 'log' && e.level === 'info')
      .map((e) => (e as { message: string }).message);
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${SERVICE}: PRIMARY .*:2 IN_PROGRESS running 0/2$`)),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(new RegExp(`^${SERVICE}: ACTIVE .*:1 COMPLETED running 2/2$`)),
    );
  });

  it('makes no change after the interruption, and prints nothing about services it never touched', async () => {
    const f = releaseFixture();
    const create = f.database.createSnapshot.bind(f.database);
    f.database.createSnapshot = async (...args) => {
      const s = await create(...args);
      f.controller.abort(new Error('SIGINT'));
      return s;
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 130, reason: 'interrupted' });
    expect(result.next?.[0]).toBe('the service was not changed');
    expect(f.log).not.toContain('ECS.RegisterTaskDefinition');
    expect(f.log).not.toContain('ECS.UpdateService');
    expect(f.events.some((e) => e.type === 'log' && /PRIMARY/.test((e as { message: string }).message))).toBe(
      false,
    );
  });

  it('after losing its lock mid-watch, prints the services and exits 3', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 2 });
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (...args) => {
      const r = await update(...args);
      await f.parameters.delete('/ferry/shop/staging/lock');
      return r;
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toMatch(/^lost the lock: it was released by someone else/);
    expect(f.events).toContainEqual(
      expect.objectContaining({ level: 'info', message: expect.stringMatching(new RegExp(`^${SERVICE}: `)) }),
    );
  });
});
