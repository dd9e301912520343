/** The edges of a run: taking the lock, errors nobody planned for, the ledger record, the actor. */
import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { mutatingCalls, NEW_SHA, releaseFixture } from '../../support/fakes-release.ts';

const LOCK = '/ferry/shop/staging/lock';
const LEDGER = '/ferry/shop/staging/releases';

describe('a run', () => {
  it('stops with exit 2, nothing changed, when the lock cannot be written', async () => {
    const f = releaseFixture();
    f.faults.inject('PutParameter', Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    const result = await runRelease(f.deps, f.request);
    expect(result).toEqual({
      outcome: 'aborted',
      exitCode: 2,
      reason: `could not take the lock ${LOCK}: AccessDeniedException: denied`,
      next: ['check with: ferry lock status staging'],
    });
    expect(mutatingCalls(f.log)).toEqual(['SSM.PutParameter']);
    expect(f.parameters.values.has(LEDGER)).toBe(false);
  });

  it('exits 130, nothing changed, when interrupted while resolving', async () => {
    const f = releaseFixture();
    f.registry.findImageByTag = async () => {
      f.controller.abort(new Error('SIGINT'));
      throw new Error('aborted');
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toEqual({ outcome: 'aborted', exitCode: 130, reason: 'interrupted; nothing was changed' });
    expect(mutatingCalls(f.log)).toEqual([]);
  });

  it('fails with exit 1 on an unexpected error before anything ran, saying the service was not changed', async () => {
    const f = releaseFixture();
    f.ecs.registerRevision = async () => {
      throw new Error('boom');
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1, reason: 'Error: boom' });
    expect(result.next?.[0]).toBe('the service was not changed');
    expect(result.next).toContain('see the state with: ferry status staging');
    expect(result.next).toContain('database snapshot: ferry-staging-bbbbbbb-20260304050607');
    expect(f.parameters.values.has(LOCK)).toBe(false);
    expect(f.parameters.json(LEDGER)).toMatchObject({ outcome: 'failed', sha: NEW_SHA });
  });

  it('exits 3, state unknown, on an unexpected error after UpdateService', async () => {
    const f = releaseFixture();
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (cluster, name) => {
      if (f.ecs.updates.length) throw new Error('boom');
      return describeService(cluster, name);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3, reason: 'state unknown: Error: boom' });
    expect(result.next?.[0]).toMatch(/^UpdateService was issued/);
    expect(result.taskDefinitionArn).toMatch(/:2$/);
  });

  it('says the migration may still run when the run broke off during it', async () => {
    const f = releaseFixture();
    f.ecs.describeTask = async () => {
      throw new Error('boom');
    };
    f.ecs.stopTask = async () => {
      throw new Error('also boom');
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(1);
    expect(f.log).not.toContain('ECS.UpdateService');
  });

  it('still ends with its result when the ledger cannot be written, warning about it', async () => {
    const f = releaseFixture();
    const put = f.parameters.put.bind(f.parameters);
    f.parameters.put = async (name, value) => {
      if (name === LEDGER) throw new Error('ledger down');
      return put(name, value);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'the release was not recorded in the ledger: Error: ledger down',
      }),
    );
    expect(f.events.at(-1)).toMatchObject({ type: 'result', outcome: 'deployed' });
  });

  it('records the STS identity as the actor, or the owner when STS does not answer', async () => {
    const f = releaseFixture();
    await runRelease(f.deps, f.request);
    expect(f.parameters.json(LEDGER)).toMatchObject({
      actor: 'arn:aws:sts::111111111111:assumed-role/deploy/ferry',
    });
    f.identity.whoAmI = async () => {
      throw new Error('no');
    };
    await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(f.parameters.json(LEDGER)).toMatchObject({ actor: 'alice@laptop' });
  });

  it('warns, and leaves the lock to its new holder, when the lock was taken from it', async () => {
    const f = releaseFixture();
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (...args) => {
      const r = await update(...args);
      const thief = {
        runId: 'thief',
        owner: 'bob',
        sha: 'x',
        acquiredAt: 'x',
        expiresAt: '2099-01-01T00:00:00.000Z',
      };
      await f.parameters.put(LOCK, JSON.stringify(thief));
      return r;
    };
    const result = await runRelease(f.deps, f.request);
    // The rollout was its last change: nothing after it needs the lock.
    expect(result.exitCode).toBe(0);
    expect(f.events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: "the lock was not released: it is no longer this run's; left to its holder",
      }),
    );
    expect(f.parameters.json(LOCK)).toMatchObject({ runId: 'thief' });
  });

  it('stops before its next change once the lock was taken from it (exit 3)', async () => {
    const f = releaseFixture();
    const runTask = f.ecs.runTask.bind(f.ecs);
    f.ecs.runTask = async (input) => {
      const r = await runTask(input);
      const thief = {
        runId: 'thief',
        owner: 'bob',
        sha: 'x',
        acquiredAt: 'x',
        expiresAt: '2099-01-01T00:00:00.000Z',
      };
      await f.parameters.put(LOCK, JSON.stringify(thief));
      return r;
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(3);
    expect(result.reason).toMatch(/^lost the lock: it is now held by bob/);
    expect(f.log).not.toContain('ECS.UpdateService');
    expect(f.parameters.json(LOCK)).toMatchObject({ runId: 'thief' });
  });
});
