import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import type { LogReader, TaskSnapshot } from '../../../src/pipeline/ports.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { isFailedTask, readTail } from '../../../src/pipeline/task-logs.ts';
import { FakeLogs, serverError } from '../../support/fakes.ts';
import { NEW_SHA, releaseFixture, SERVICE } from '../../support/fakes-release.ts';

const NEW_ARN = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:2';
const GROUP = '/ecs/shop';
const id = (n: number) => n.toString(16).padStart(32, 'f');
const taskArn = (n: number) => `arn:aws:ecs:eu-west-1:111111111111:task/shop-staging/${id(n)}`;
const streamOf = (n: number) => `${GROUP}|ecs/web/${id(n)}`;

function stoppedTask(n: number, overrides: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return {
    arn: taskArn(n),
    taskDefinitionArn: NEW_ARN,
    lastStatus: 'STOPPED',
    desiredStatus: 'STOPPED',
    stopCode: 'EssentialContainerExited',
    stoppedReason: 'Essential container in task exited',
    stoppedAt: new Date(Date.UTC(2026, 2, 4, 5, 7, n)),
    containers: [{ name: 'web', exitCode: 1, lastStatus: 'STOPPED' }],
    ...overrides,
  };
}

/** A rollout the circuit breaker fails, with these tasks stopped (newest first, as ECS lists them). */
function failingRelease(tasks: TaskSnapshot[]) {
  const f = releaseFixture();
  f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 2 });
  f.ecs.stopped = [...tasks].sort((a, b) => b.stoppedAt!.getTime() - a.stoppedAt!.getTime());
  return f;
}

type TaskLog = Extract<FerryEvent, { type: 'task_log' }>;
const taskLogs = (events: FerryEvent[]) => events.filter((e): e is TaskLog => e.type === 'task_log');
const taskStreamReads = (logs: FakeLogs) => logs.reads.filter((r) => r.startsWith(`${GROUP}|ecs/web/ffff`));

describe('failed task logs in a release', () => {
  it("emits the last 20 lines of a failed task's container log, right after its task_stopped", async () => {
    const f = failingRelease([stoppedTask(1)]);
    const lines = Array.from({ length: 25 }, (_, i) => `line ${i + 1}`);
    lines[24] = 'Error: connect ECONNREFUSED 10.0.3.12:5432';
    f.logs.streams.set(streamOf(1), lines);

    const result = await runRelease(f.deps, f.request);

    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    const logs = taskLogs(f.events);
    expect(logs.map((e) => e.message)).toEqual(lines.slice(5));
    expect(logs[0]).toEqual({
      type: 'task_log',
      service: SERVICE,
      taskArn: taskArn(1),
      message: 'line 6',
      timestamp: new Date(5000).toISOString(),
    });
    const stopped = f.events.findIndex((e) => e.type === 'task_stopped' && e.taskArn === taskArn(1));
    expect(stopped).toBeGreaterThanOrEqual(0);
    expect(f.events.indexOf(logs[0]!)).toBeGreaterThan(stopped);
  });

  it('reads the logs of the first two failed tasks only, and looks the revision up once', async () => {
    const f = failingRelease([stoppedTask(1), stoppedTask(2), stoppedTask(3)]);
    for (const n of [1, 2, 3]) f.logs.streams.set(streamOf(n), [`crash of task ${n}`]);

    await runRelease(f.deps, f.request);

    expect(taskLogs(f.events).map((e) => [e.taskArn, e.message])).toEqual([
      [taskArn(1), 'crash of task 1'],
      [taskArn(2), 'crash of task 2'],
    ]);
    expect(taskStreamReads(f.logs)).toEqual([streamOf(1), streamOf(2)]);
    const baseline = failingRelease([]);
    await runRelease(baseline.deps, baseline.request);
    const lookups = (log: string[]) => log.filter((c) => c === 'ECS.DescribeTaskDefinition').length;
    expect(lookups(f.log) - lookups(baseline.log)).toBe(1);
  });

  it('keeps the count across polls: a later failure reads only the slot left', async () => {
    const f = failingRelease([stoppedTask(1)]);
    for (const n of [1, 2, 3]) f.logs.streams.set(streamOf(n), [`crash of task ${n}`]);
    let added = false;
    f.ecs.onDescribeService = () => {
      if (added || !f.logs.reads.includes(streamOf(1))) return;
      added = true;
      f.ecs.stopped = [stoppedTask(3), stoppedTask(2), ...f.ecs.stopped];
      // The next poll sees a new failure event, which makes the observer list stopped tasks again.
      f.ecs.services.get(SERVICE)!.events.push({
        id: 'ev-late',
        createdAt: f.clock.now(),
        message: `(service ${SERVICE}) (task ${id(2)}) failed container health checks.`,
      });
    };

    await runRelease(f.deps, f.request);

    expect(taskStreamReads(f.logs)).toEqual([streamOf(1), streamOf(2)]);
  });

  it('reads no logs at all on a healthy rollout', async () => {
    const f = releaseFixture();
    f.ecs.stopped = [stoppedTask(1)];
    f.logs.streams.set(streamOf(1), ['never read']);

    const result = await runRelease(f.deps, f.request);

    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(taskLogs(f.events)).toEqual([]);
    expect(taskStreamReads(f.logs)).toEqual([]);
    // The one GetLogEvents left is the migration's own stream.
    expect(f.logs.reads.every((r) => !r.includes(id(1)))).toBe(true);
    expect(f.log).not.toContain('ECS.ListTasks');
  });

  it("ignores the old revision's failed tasks and the release's tasks that were scaled in", async () => {
    const f = failingRelease([
      stoppedTask(1, {
        taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:1',
      }),
      stoppedTask(2, {
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/9)',
        containers: [{ name: 'web', exitCode: 143 }],
      }),
    ]);
    for (const n of [1, 2]) f.logs.streams.set(streamOf(n), ['should not be read']);

    await runRelease(f.deps, f.request);

    expect(f.events.filter((e) => e.type === 'task_stopped')).toHaveLength(1);
    expect(taskStreamReads(f.logs)).toEqual([]);
  });

  it("says nothing extra when the task's stream does not exist (it never started)", async () => {
    const f = failingRelease([
      stoppedTask(1, {
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
        containers: [{ name: 'web' }],
      }),
    ]);

    const result = await runRelease(f.deps, f.request);

    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(taskStreamReads(f.logs)).toEqual([streamOf(1)]);
    expect(taskLogs(f.events)).toEqual([]);
    expect(f.events.filter((e) => e.type === 'log' && /logs of task/.test(e.message))).toEqual([]);
  });

  it('does not change the outcome when the logs cannot be read: a debug line only', async () => {
    const healthy = failingRelease([stoppedTask(1)]);
    const expected = await runRelease(healthy.deps, healthy.request);

    const f = failingRelease([stoppedTask(1)]);
    f.logs.failing.set(
      streamOf(1),
      Object.assign(new Error('User is not authorized to perform: logs:GetLogEvents'), {
        name: 'AccessDeniedException',
      }),
    );
    const result = await runRelease(f.deps, f.request);

    expect(result).toEqual(expected);
    expect(taskLogs(f.events)).toEqual([]);
    const said = f.events.filter((e) => e.type === 'log' && /logs of task/.test(e.message));
    expect(said).toEqual([
      expect.objectContaining({ level: 'debug', message: expect.stringContaining('AccessDeniedException') }),
    ]);
  });

  it('does not retry a log read that failed with a server error', async () => {
    const f = failingRelease([stoppedTask(1)]);
    f.logs.failing.set(streamOf(1), serverError());
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(1);
    expect(taskStreamReads(f.logs)).toEqual([streamOf(1)]);
  });
});

/** A reader that can only read forward, like one without GetLogEvents' backward mode. */
const forwardOnly = (logs: FakeLogs): LogReader => ({ readStream: logs.readStream.bind(logs) });

describe('readTail', () => {
  it('asks for the tail in one call where the reader can', async () => {
    const logs = new FakeLogs([]);
    logs.streams.set(
      'g|s',
      Array.from({ length: 25 }, (_, i) => `l${i}`),
    );
    const tail = await readTail(logs, 'g', 's', 3);
    expect(tail.map((e) => e.message)).toEqual(['l22', 'l23', 'l24']);
    expect(logs.reads).toHaveLength(1);
  });

  it('keeps the last lines across pages when reading forward', async () => {
    const logs = new FakeLogs([]);
    logs.pageSize = 10;
    logs.streams.set(
      'g|s',
      Array.from({ length: 25 }, (_, i) => `l${i}`),
    );
    const tail = await readTail(forwardOnly(logs), 'g', 's', 4);
    expect(tail.map((e) => e.message)).toEqual(['l21', 'l22', 'l23', 'l24']);
  });

  it('stops after a few pages of a chatty stream', async () => {
    const logs = new FakeLogs([]);
    logs.pageSize = 5;
    logs.streams.set(
      'g|s',
      Array.from({ length: 1000 }, (_, i) => `l${i}`),
    );
    const tail = await readTail(forwardOnly(logs), 'g', 's', 2);
    expect(logs.reads).toHaveLength(3);
    expect(tail.map((e) => e.message)).toEqual(['l13', 'l14']);
  });
});

describe('isFailedTask', () => {
  const task = (overrides: Partial<TaskSnapshot>) => stoppedTask(1, overrides);
  it.each([
    [
      'a non-zero exit',
      task({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'x',
        containers: [{ name: 'web', exitCode: 137 }],
      }),
    ],
    [
      'an ELB health-check failure with exit 0',
      task({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Task failed ELB health checks in (target-group arn:tg)',
        containers: [{ name: 'web', exitCode: 0 }],
      }),
    ],
    ['an essential container that exited 0', task({ containers: [{ name: 'web', exitCode: 0 }] })],
    [
      'a task that never started',
      task({
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'ResourceInitializationError',
        containers: [{ name: 'web' }],
      }),
    ],
  ])('counts %s as a failure', (_, t) => {
    expect(isFailedTask(t)).toBe(true);
  });

  it.each([
    [
      'scaled in',
      task({
        stopCode: 'ServiceSchedulerInitiated',
        stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
        containers: [{ name: 'web', exitCode: 143 }],
      }),
    ],
    [
      'stopped by a person with a clean exit',
      task({
        stopCode: 'UserInitiated',
        stoppedReason: 'Task stopped by user',
        containers: [{ name: 'web', exitCode: 0 }],
      }),
    ],
  ])('does not count a task %s', (_, t) => {
    expect(isFailedTask(t)).toBe(false);
  });
});
