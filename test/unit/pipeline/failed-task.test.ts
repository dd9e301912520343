/** Which stopped task failed, which of its containers explains it, and reading a stream's tail. */
import { describe, expect, it } from 'vitest';
import type {
  ContainerSnapshot,
  LogReader,
  TaskDefinitionSnapshot,
  TaskSnapshot,
} from '../../../src/pipeline/ports.ts';
import { FailedTaskLogs, failedContainer, isFailedTask, readTail } from '../../../src/pipeline/task-logs.ts';
import { fakeWorld } from '../../support/fakes.ts';

const task = (over: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  arn: 'arn:aws:ecs:eu-west-1:111111111111:task/shop/abc',
  taskDefinitionArn: 'td:2',
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  containers: [{ name: 'web', exitCode: 0 }],
  ...over,
});
const logs = (group: string) => ({ group, streamPrefix: 'ecs' });
const revision = (containers: ContainerSnapshot[]): TaskDefinitionSnapshot => ({
  arn: 'td:2',
  family: 'f',
  revision: 2,
  status: 'ACTIVE',
  containers,
  tags: {},
});
const container = (name: string, withLogs = true): ContainerSnapshot => ({
  name,
  image: 'i',
  environment: {},
  ...(withLogs ? { logs: logs(`/ecs/${name}`) } : {}),
});

describe('isFailedTask', () => {
  it('tells a failure from a scale-in or a clean stop', () => {
    expect(isFailedTask(task())).toBe(false);
    expect(
      isFailedTask(
        task({
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/1)',
          containers: [{ name: 'web' }],
        }),
      ),
    ).toBe(false);
    // Only at the start: a reason that mentions scaling later is still read for failure words.
    expect(isFailedTask(task({ stoppedReason: 'Task failed; Scaling activity initiated by x' }))).toBe(true);
    expect(isFailedTask(task({ stopCode: 'TaskFailedToStart' }))).toBe(true);
    expect(isFailedTask(task({ stopCode: 'EssentialContainerExited' }))).toBe(true);
    expect(isFailedTask(task({ stopCode: 'UserInitiated' }))).toBe(false);
    for (const reason of [
      'Task failed ELB health checks',
      'OutOfMemoryError: Container killed',
      'ResourceInitializationError',
      'Timed out',
      'timeout',
      'access denied',
    ])
      expect(isFailedTask(task({ stoppedReason: reason }))).toBe(true);
    expect(isFailedTask(task({ stoppedReason: 'Task stopped by user' }))).toBe(false);
    expect(
      isFailedTask(
        task({
          containers: [
            { name: 'web', exitCode: 0 },
            { name: 'sidecar', exitCode: 2 },
          ],
        }),
      ),
    ).toBe(true);
    expect(isFailedTask(task({ containers: [{ name: 'web', exitCode: 0 }, { name: 'sidecar' }] }))).toBe(
      true,
    );
  });
});

describe('failedContainer', () => {
  it('prefers the container that exited non-zero, then one that ran in the task, then the first that logs', () => {
    const def = revision([
      container('proxy'),
      container('nolog', false),
      container('web'),
      container('worker'),
    ]);
    expect(
      failedContainer(
        task({
          containers: [
            { name: 'proxy', exitCode: 0 },
            { name: 'web', exitCode: 1 },
          ],
        }),
        def,
      )?.name,
    ).toBe('web');
    expect(
      failedContainer(task({ containers: [{ name: 'nolog', exitCode: 1 }, { name: 'worker' }] }), def)?.name,
    ).toBe('worker');
    expect(failedContainer(task({ containers: [{ name: 'other' }] }), def)?.name).toBe('proxy');
    expect(
      failedContainer(
        task({
          containers: [
            { name: 'web', exitCode: 0 },
            { name: 'worker', exitCode: 0 },
          ],
        }),
        def,
      )?.name,
    ).toBe('web');
    expect(failedContainer(task(), revision([container('web', false)]))).toBeUndefined();
  });
});

describe('readTail', () => {
  it('reads backwards in one call where it can, keeping the last lines only', async () => {
    const events = Array.from({ length: 30 }, (_, i) => ({ timestamp: new Date(i), message: `l${i}` }));
    const reader: LogReader = {
      readStream: async () => ({ events: [] }),
      readTail: async () => events,
    };
    expect((await readTail(reader, 'g', 's', 5)).map((e) => e.message)).toEqual([
      'l25',
      'l26',
      'l27',
      'l28',
      'l29',
    ]);
  });

  it('reads forward until the token stops moving or a page is empty', async () => {
    const pages: Record<string, { events: { timestamp: Date; message: string }[]; nextToken?: string }> = {
      start: { events: [{ timestamp: new Date(0), message: 'a' }], nextToken: 't1' },
      t1: { events: [{ timestamp: new Date(1), message: 'b' }], nextToken: 't1' },
    };
    let calls = 0;
    const reader: LogReader = {
      readStream: async (_g, _s, token) => {
        calls += 1;
        return pages[token ?? 'start']!;
      },
    };
    expect((await readTail(reader, 'g', 's')).map((e) => e.message)).toEqual(['a', 'b']);
    expect(calls).toBe(2);
    let empty = 0;
    const noToken: LogReader = {
      readStream: async () => {
        empty += 1;
        return { events: [{ timestamp: new Date(0), message: 'x' }] };
      },
    };
    expect(await readTail(noToken, 'g', 's')).toHaveLength(1);
    expect(empty).toBe(1);
    let blank = 0;
    const emptyPage: LogReader = {
      readStream: async () => {
        blank += 1;
        return { events: [], nextToken: `n${blank}` };
      },
    };
    expect(await readTail(emptyPage, 'g', 's')).toEqual([]);
    expect(blank).toBe(1);
  });
});

describe('FailedTaskLogs', () => {
  it('looks a revision up again after a failed lookup, and reports nothing for a revision without logs', async () => {
    const w = fakeWorld();
    let lookups = 0;
    w.ecs.describeTaskDefinition = async () => {
      lookups += 1;
      if (lookups === 1) throw new Error('throttled');
      return revision([container('web', false)]);
    };
    const reports = new FailedTaskLogs(w.deps, 'web');
    await reports.report(task({ containers: [{ name: 'web', exitCode: 1 }] }));
    await reports.report(
      task({
        arn: 'arn:aws:ecs:eu-west-1:111111111111:task/shop/def',
        containers: [{ name: 'web', exitCode: 1 }],
      }),
    );
    expect(lookups).toBe(2);
    expect(w.events.filter((e) => e.type === 'task_log')).toEqual([]);
    expect(w.events).toContainEqual(
      expect.objectContaining({
        level: 'debug',
        message: 'cannot read the logs of task abc of web: Error: throttled',
      }),
    );
    expect(reports.wanted).toBe(false);
    await reports.report(task());
    expect(lookups).toBe(2);
  });
});
