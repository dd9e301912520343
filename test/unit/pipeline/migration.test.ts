/** The migration task: started once, waited to STOPPED, exit 0 required, its logs streamed, never left running unwatched. */
import { describe, expect, it } from 'vitest';
import {
  INTERRUPT_STOP_WAIT_MS,
  type MigrationInput,
  runMigration,
  STOP_WAIT_MS,
} from '../../../src/pipeline/migrate.ts';
import { fakeWorld, RUN_TASK_HINT, serverError } from '../../support/fakes.ts';

const DEF = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:2';
const input = (over: Partial<MigrationInput> = {}): MigrationInput => ({
  cluster: 'shop-staging',
  taskDefinitionArn: DEF,
  container: 'web',
  command: ['npm', 'run', 'migrate'],
  network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
  timeoutMs: 60_000,
  logs: { group: '/ecs/shop', streamPrefix: 'ecs' },
  startedBy: 'ferry-bbbbbbb',
  ...over,
});

describe('runMigration', () => {
  it('runs the command in one task of the revision and succeeds on exit code 0', async () => {
    const w = fakeWorld();
    const calls: unknown[] = [];
    const runTask = w.ecs.runTask.bind(w.ecs);
    w.ecs.runTask = async (i) => {
      calls.push(i);
      return runTask(i);
    };
    const result = await runMigration(w.deps, input());
    expect(result).toEqual({ ok: true, taskArn: expect.stringContaining(':task/shop/') });
    expect(calls).toEqual([
      {
        cluster: 'shop-staging',
        taskDefinitionArn: DEF,
        container: 'web',
        command: ['npm', 'run', 'migrate'],
        network: input().network,
        startedBy: 'ferry-bbbbbbb',
      },
    ]);
    expect(w.log.filter((c) => c === 'ECS.RunTask')).toHaveLength(1);
    expect(w.log).not.toContain('ECS.StopTask');
  });

  it('fails with the exit code of the container', async () => {
    const w = fakeWorld();
    w.ecs.migration = { exitCode: 3, polls: 2 };
    const result = await runMigration(w.deps, input());
    expect(result).toMatchObject({ ok: false, reason: 'the migration exited with code 3' });
  });

  it('fails at once, without a task, when RunTask is refused', async () => {
    const w = fakeWorld();
    w.ecs.runTask = async () => {
      throw Object.assign(new Error('No Container Instances were found'), {
        name: 'InvalidParameterException',
      });
    };
    expect(await runMigration(w.deps, input())).toEqual({
      ok: false,
      reason: 'RunTask failed: InvalidParameterException: No Container Instances were found',
    });
  });

  it("fails when ECS starts no task, keeping ECS's reasons and the adapter's hint", async () => {
    const w = fakeWorld();
    w.ecs.runTaskFailures = ['RESOURCE:ENI subnet full', 'AGENT'];
    expect(await runMigration(w.deps, input())).toEqual({
      ok: false,
      reason: `RunTask failed: ECS did not start the task for ${DEF}: RESOURCE:ENI subnet full; AGENT`,
      next: [RUN_TASK_HINT],
    });
    expect(w.log).not.toContain('ECS.StopTask');
  });

  it('stops a task that outlives the timeout and waits to see it STOPPED', async () => {
    const w = fakeWorld();
    w.ecs.migration = { polls: Number.MAX_SAFE_INTEGER };
    const start = w.clock.now().getTime();
    const result = await runMigration(w.deps, input({ timeoutMs: 30_000 }));
    expect(result).toMatchObject({
      ok: false,
      reason: 'the migration did not finish within 30s; ferry stopped it',
      stop: { stopped: true, detail: 'STOPPED' },
    });
    expect(w.clock.now().getTime() - start).toBeLessThan(30_000 + STOP_WAIT_MS);
  });

  it('says so when the task is not seen STOPPED after StopTask', async () => {
    const w = fakeWorld();
    w.ecs.migration = { polls: Number.MAX_SAFE_INTEGER };
    w.ecs.stopTask = async () => {
      throw new Error('boom');
    };
    const result = await runMigration(w.deps, input({ timeoutMs: 10_000 }));
    expect(result).toMatchObject({
      ok: false,
      stop: { stopped: false, detail: 'StopTask failed: Error: boom' },
    });
    const quiet = fakeWorld();
    quiet.ecs.migration = { polls: Number.MAX_SAFE_INTEGER };
    quiet.ecs.stopTask = async () => {};
    const start = quiet.clock.now().getTime();
    const r = await runMigration(quiet.deps, input({ timeoutMs: 10_000 }));
    expect(r).toMatchObject({
      stop: { stopped: false, detail: `not seen STOPPED within ${STOP_WAIT_MS / 1000}s` },
    });
    expect(quiet.clock.now().getTime() - start).toBeGreaterThanOrEqual(10_000 + STOP_WAIT_MS - 5000);
  });

  it('stops the task when it loses track of it, rather than leave it running unwatched', async () => {
    const w = fakeWorld();
    const describeTask = w.ecs.describeTask.bind(w.ecs);
    let failing = false;
    w.ecs.describeTask = async (cluster, arn) => {
      if (!failing) {
        failing = true;
        throw serverError();
      }
      return describeTask(cluster, arn);
    };
    // A single hiccup is tolerated...
    expect(await runMigration(w.deps, input())).toMatchObject({ ok: true });
    // ...five in a row are not.
    const v = fakeWorld();
    v.ecs.migration = { polls: Number.MAX_SAFE_INTEGER };
    const realDescribe = v.ecs.describeTask.bind(v.ecs);
    let stopAsked = false;
    v.ecs.stopTask = async (_cluster, arn) => {
      stopAsked = true;
      v.ecs.tasks.get(arn)!.lastStatus = 'STOPPED';
    };
    v.ecs.describeTask = async (cluster, arn) => {
      if (!stopAsked) throw serverError();
      return realDescribe(cluster, arn);
    };
    const lost = await runMigration(v.deps, input());
    expect(lost).toMatchObject({ ok: false, stop: { stopped: true } });
    expect((lost as { reason: string }).reason).toMatch(
      /^lost track of the migration \(.*5 AWS calls in a row failed.*\); ferry stopped it$/,
    );
  });

  it('stops the task, briefly, when the run is interrupted', async () => {
    const w = fakeWorld();
    w.ecs.migration = { polls: Number.MAX_SAFE_INTEGER };
    let polls = 0;
    const describeTask = w.ecs.describeTask.bind(w.ecs);
    w.ecs.describeTask = async (cluster, arn) => {
      if (++polls === 2) w.controller.abort(new Error('SIGTERM'));
      return describeTask(cluster, arn);
    };
    const start = w.clock.now().getTime();
    const result = await runMigration(w.deps, input());
    expect(result).toMatchObject({
      ok: false,
      reason: 'interrupted during the migration',
      interrupted: true,
      stop: { stopped: true },
    });
    expect(w.clock.now().getTime() - start).toBeLessThan(10_000 + INTERRUPT_STOP_WAIT_MS);
  });

  it("streams the task's log lines, page after page, and the last ones after it stopped", async () => {
    const w = fakeWorld();
    w.logs.pageSize = 2;
    const lines = ['one', 'two', 'three', 'four', 'five'];
    // The first task of a fresh fake is task 1: its stream is <prefix>/<container>/<task id>.
    w.logs.streams.set(`/ecs/shop|ecs/web/${'1'.padStart(32, '0')}`, lines);
    expect(await runMigration(w.deps, input())).toMatchObject({ ok: true });
    expect(
      w.events.filter((e) => e.type === 'migration_log').map((e) => (e as { message: string }).message),
    ).toEqual(lines);
  });

  it('never fails on its logs: a denial is said once, a hiccup is retried', async () => {
    const w = fakeWorld();
    let reads = 0;
    w.logs.readStream = async () => {
      reads += 1;
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    };
    w.ecs.migration = { exitCode: 0, polls: 4 };
    expect(await runMigration(w.deps, input())).toMatchObject({ ok: true });
    expect(reads).toBe(1);
    expect(w.events.filter((e) => e.type === 'log' && e.level === 'warn')).toHaveLength(1);

    const v = fakeWorld();
    let n = 0;
    v.logs.readStream = async () => {
      n += 1;
      if (n === 1) throw serverError();
      return { events: [{ timestamp: new Date(0), message: `line ${n}` }], nextToken: `t${n}` };
    };
    v.ecs.migration = { exitCode: 0, polls: 3 };
    expect(await runMigration(v.deps, input())).toMatchObject({ ok: true });
    expect(n).toBeGreaterThan(2);
    expect(v.events.filter((e) => e.type === 'log' && e.level === 'warn')).toEqual([]);
  });

  it('reads no logs when the revision has none', async () => {
    const w = fakeWorld();
    const { logs: _logs, ...noLogs } = input();
    expect(await runMigration(w.deps, noLogs)).toMatchObject({ ok: true });
    expect(w.log).not.toContain('Logs.GetLogEvents');
  });
});
