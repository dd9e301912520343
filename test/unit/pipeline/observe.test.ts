/** What a person watching a rollout sees: each change once, new events only, stopped tasks when something failed. */
import { describe, expect, it } from 'vitest';
import { Observers } from '../../../src/pipeline/observe.ts';
import type { DeploymentSnapshot, ServiceSnapshot, TaskSnapshot } from '../../../src/pipeline/ports.ts';
import { fakeWorld } from '../../support/fakes.ts';

const START = new Date('2026-03-04T05:06:07Z');
const later = (s: number) => new Date(START.getTime() + s * 1000);

const dep = (over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot => ({
  id: 'ecs-svc/new',
  status: 'PRIMARY',
  taskDefinitionArn: 'td:2',
  rolloutState: 'IN_PROGRESS',
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 0,
  failedTasks: 0,
  createdAt: START,
  updatedAt: START,
  ...over,
});
const snapshot = (
  deployments: DeploymentSnapshot[],
  events: ServiceSnapshot['events'] = [],
): ServiceSnapshot => ({
  name: 'web',
  arn: 'arn:web',
  status: 'ACTIVE',
  taskDefinitionArn: 'td:2',
  desiredCount: 2,
  runningCount: 0,
  pendingCount: 0,
  deployments,
  events,
});
const stopped = (arn: string, over: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  arn,
  taskDefinitionArn: 'td:2',
  lastStatus: 'STOPPED',
  desiredStatus: 'STOPPED',
  containers: [{ name: 'web', exitCode: 1 }],
  stoppedAt: later(5),
  ...over,
});

function world() {
  const w = fakeWorld();
  const observers = new Observers(w.deps, 'shop-staging', new Map([['web', ['ev-old']]]));
  const ofType = (type: string) => w.events.filter((e) => e.type === type);
  return { ...w, observer: observers.get('web'), observers, ofType };
}

describe('ServiceObserver', () => {
  it('reports progress only when a deployment changed', async () => {
    const w = world();
    const old = dep({
      id: 'ecs-svc/old',
      status: 'ACTIVE',
      taskDefinitionArn: 'td:1',
      rolloutState: 'COMPLETED',
      runningCount: 2,
    });
    await w.observer.observe(snapshot([dep(), old]), 'ecs-svc/new');
    await w.observer.observe(snapshot([dep(), old]), 'ecs-svc/new');
    await w.observer.observe(snapshot([dep({ runningCount: 1 }), old]), 'ecs-svc/new');
    const progress = w.ofType('progress');
    expect(progress).toHaveLength(2);
    expect(progress[0]).toEqual({
      type: 'progress',
      service: 'web',
      deployments: [
        {
          id: 'ecs-svc/new',
          role: 'new',
          status: 'PRIMARY',
          rolloutState: 'IN_PROGRESS',
          running: 0,
          pending: 0,
          desired: 2,
          failed: 0,
        },
        {
          id: 'ecs-svc/old',
          role: 'old',
          status: 'ACTIVE',
          rolloutState: 'COMPLETED',
          running: 2,
          pending: 0,
          desired: 2,
          failed: 0,
        },
      ],
    });
    // Without a deployment of its own (ECS's rollback), the PRIMARY one is the new one.
    await w.observer.observe(snapshot([dep({ id: 'ecs-svc/rb' })]));
    expect(w.ofType('progress').at(-1)).toMatchObject({ deployments: [{ id: 'ecs-svc/rb', role: 'new' }] });
  });

  it('reports each new service event once, oldest first, and none from before the release', async () => {
    const w = world();
    const events = [
      {
        id: 'ev-3',
        createdAt: later(3),
        message: '(service web) (task 0123) failed container health checks.',
      },
      { id: 'ev-2', createdAt: later(2), message: '(service web) has started 2 tasks.' },
      { id: 'ev-old', createdAt: later(1), message: 'known before the release' },
      { id: 'ev-0', createdAt: later(-60), message: 'long ago' },
    ];
    await w.observer.observe(snapshot([dep()], events), 'ecs-svc/new');
    await w.observer.observe(snapshot([dep()], events), 'ecs-svc/new');
    expect(w.ofType('service_event')).toEqual([
      {
        type: 'service_event',
        service: 'web',
        message: '(service web) has started 2 tasks.',
        createdAt: later(2).toISOString(),
        failure: false,
      },
      {
        type: 'service_event',
        service: 'web',
        message: '(service web) (task 0123) failed container health checks.',
        createdAt: later(3).toISOString(),
        failure: true,
      },
    ]);
  });

  it('looks at stopped tasks only when something failed, and reports each once', async () => {
    const w = world();
    let lists = 0;
    w.ecs.listStoppedTasks = async () => {
      lists += 1;
      return [
        stopped('task/1', {
          stopCode: 'EssentialContainerExited',
          stoppedReason: 'Essential container in task exited',
        }),
        stopped('task/2', {
          stoppedReason: 'Scaling activity initiated by (deployment ecs-svc/old)',
          containers: [{ name: 'web', exitCode: 0 }],
        }),
      ];
    };
    await w.observer.observe(snapshot([dep()]), 'ecs-svc/new');
    expect(lists).toBe(0);
    await w.observer.observe(snapshot([dep({ failedTasks: 1 })]), 'ecs-svc/new');
    await w.observer.observe(snapshot([dep({ failedTasks: 1 })]), 'ecs-svc/new');
    expect(lists).toBe(1);
    expect(w.ofType('task_stopped')).toEqual([
      {
        type: 'task_stopped',
        service: 'web',
        taskArn: 'task/1',
        stopCode: 'EssentialContainerExited',
        reason: 'Essential container in task exited',
        exitCode: 1,
      },
    ]);
    await w.observer.observe(snapshot([dep({ failedTasks: 2 })]), 'ecs-svc/new');
    expect(lists).toBe(2);
    expect(w.ofType('task_stopped')).toHaveLength(1);
  });

  it('looks at stopped tasks when a new event says a task failed', async () => {
    const w = world();
    let lists = 0;
    w.ecs.listStoppedTasks = async () => {
      lists += 1;
      return [];
    };
    await w.observer.observe(
      snapshot(
        [dep()],
        [{ id: 'ev-9', createdAt: later(1), message: '(service web) has started 1 tasks: (task abc).' }],
      ),
      'ecs-svc/new',
    );
    expect(lists).toBe(0);
    await w.observer.observe(
      snapshot(
        [dep()],
        [
          {
            id: 'ev-10',
            createdAt: later(2),
            message: '(service web) (task abc) failed to start: CannotPullContainerError',
          },
        ],
      ),
      'ecs-svc/new',
    );
    expect(lists).toBe(1);
  });

  it('keeps one observer per service for the whole run', () => {
    const w = world();
    expect(w.observers.get('web')).toBe(w.observer);
    expect(w.observers.get('api')).not.toBe(w.observer);
  });
});
