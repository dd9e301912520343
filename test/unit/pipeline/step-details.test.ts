/** What each step tells the person watching: its detail line, and what to do when it failed. */
import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { NEW_SHA, releaseFixture, SERVICE } from '../../support/fakes-release.ts';

const SNAPSHOT = 'ferry-staging-bbbbbbb-20260304050607';
const steps = (events: FerryEvent[], name: string) =>
  events.filter((e) => e.type === 'step' && e.step === name) as { status: string; detail?: string }[];
const infos = (events: FerryEvent[]) =>
  events.filter((e) => e.type === 'log' && e.level === 'info').map((e) => (e as { message: string }).message);

describe('step details', () => {
  it('name the snapshot, the revision and the deployment started', async () => {
    const f = releaseFixture();
    await runRelease(f.deps, f.request);
    const newArn = f.ecs.updates[0]!.taskDefinitionArn;
    expect(steps(f.events, 'snapshot').at(-1)).toMatchObject({ status: 'done', detail: SNAPSHOT });
    expect(steps(f.events, 'register').at(-1)).toMatchObject({ status: 'done', detail: newArn });
    expect(steps(f.events, 'deploy').at(-1)).toMatchObject({
      status: 'done',
      detail: expect.stringMatching(new RegExp(`^${SERVICE} ecs-svc/\\d+$`)),
    });
    expect(steps(f.events, 'migrate').at(-1)).toMatchObject({ status: 'done' });
  });

  it('report each snapshot status once, not once per poll', async () => {
    const f = releaseFixture();
    f.database.snapshotPolls = 5;
    await runRelease(f.deps, f.request);
    expect(infos(f.events).filter((m) => m === `snapshot ${SNAPSHOT}: creating`)).toHaveLength(1);
    expect(infos(f.events)).toContain(`snapshot ${SNAPSHOT} of shop-staging started`);
    expect(infos(f.events).some((m) => m === `snapshot ${SNAPSHOT}: available`)).toBe(false);
  });

  it('start the migration as ferry-<sha7>, with the container’s logs', async () => {
    const f = releaseFixture();
    const runs: Parameters<typeof f.ecs.runTask>[0][] = [];
    const runTask = f.ecs.runTask.bind(f.ecs);
    f.ecs.runTask = async (input) => {
      runs.push(input);
      return runTask(input);
    };
    f.logs.lines = ['migrating 001'];
    await runRelease(f.deps, f.request);
    expect(runs).toEqual([
      expect.objectContaining({ startedBy: `ferry-${NEW_SHA.slice(0, 7)}`, container: 'web' }),
    ]);
    expect(f.events).toContainEqual(
      expect.objectContaining({ type: 'migration_log', message: 'migrating 001' }),
    );
    expect(f.logs.reads.some((r) => r.startsWith('/ecs/shop|ecs/web/'))).toBe(true);
  });

  it('after a failed migration, say the service was not changed, the snapshot and the task', async () => {
    const f = releaseFixture();
    f.ecs.migration = { exitCode: 1, polls: 2 };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      reason: 'the migration exited with code 1',
      snapshotId: SNAPSHOT,
    });
    expect(result.next).toEqual([
      `the service was not changed; the database snapshot taken before the migration is ${SNAPSHOT}`,
      expect.stringMatching(/^migration task: arn:aws:ecs:.*:task\//),
    ]);
    expect(steps(f.events, 'migrate').at(-1)).toMatchObject({
      status: 'failed',
      detail: 'the migration exited with code 1',
    });
  });

  it('after a failed snapshot, say the service was not changed and name the snapshot', async () => {
    const f = releaseFixture();
    f.database.describeSnapshot = async (id) => {
      const s = f.database.snapshots.get(id);
      return s && { ...s, status: 'failed' };
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.next).toEqual([
      'the service was not changed; check the database and run the deploy again',
      `database snapshot (failed or late): ${SNAPSHOT}`,
    ]);
    expect(steps(f.events, 'snapshot').at(-1)).toMatchObject({
      status: 'failed',
      detail: `snapshot ${SNAPSHOT} failed`,
    });
  });

  it('report a timeout in seconds', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'stuck' });
    const result = await runRelease(f.deps, { ...f.request, timeoutMs: 90_000 });
    expect(result.reason).toMatch(new RegExp(`^the rollout of ${SERVICE} did not complete within 90s`));
    expect(steps(f.events, 'watch').at(-1)).toMatchObject({ status: 'failed' });
  });
});
