/**
 * The target-group gate of verification: the new tasks' targets must be healthy
 * in the load balancer before any health probe counts.
 */
import { describe, expect, it } from 'vitest';
import type { TaskSnapshot } from '../../../src/pipeline/ports.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { targetsHealthy } from '../../../src/pipeline/verify.ts';
import { fakeWorld } from '../../support/fakes.ts';
import {
  BASE_URL,
  NEW_SHA,
  OLD_SHA,
  releaseFixture,
  SERVICE,
  testDescriptor,
} from '../../support/fakes-release.ts';

const TG =
  'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-staging-web/0123456789abcdef';
const task = (arn: string, taskDefinitionArn: string, privateIp?: string): TaskSnapshot => ({
  arn,
  taskDefinitionArn,
  lastStatus: 'RUNNING',
  desiredStatus: 'RUNNING',
  containers: [{ name: 'web' }],
  ...(privateIp ? { privateIp } : {}),
});

describe('targetsHealthy', () => {
  const input = {
    cluster: 'shop-staging',
    service: SERVICE,
    targetGroupArn: TG,
    taskDefinitionArn: 'td:2',
    timeoutMs: 30_000,
  };

  it('passes without a call when the service has no target group', async () => {
    const w = fakeWorld();
    const { targetGroupArn: _tg, ...noGroup } = input;
    expect(await targetsHealthy(w.deps, noGroup)).toEqual({ ok: true });
    expect(w.log).toEqual([]);
  });

  it('relies on the probes when no task of the revision has an address', async () => {
    const w = fakeWorld();
    w.ecs.running = [task('t1', 'td:1', '10.0.0.1'), task('t2', 'td:2')];
    w.loadBalancer.targets = [{ id: '10.0.0.1', state: 'unhealthy' }];
    expect(await targetsHealthy(w.deps, input)).toEqual({ ok: true });
    expect(w.log).not.toContain('ELBv2.DescribeTargetHealth');
  });

  it('waits until every target of the new tasks is healthy, ignoring other targets', async () => {
    const w = fakeWorld();
    w.ecs.running = [
      task('t1', 'td:2', '10.0.0.1'),
      task('t2', 'td:2', '10.0.0.2'),
      task('t0', 'td:1', '10.0.0.9'),
    ];
    const states = [
      [{ id: '10.0.0.1', state: 'initial' }],
      [
        { id: '10.0.0.1', state: 'healthy' },
        { id: '10.0.0.2', state: 'initial' },
      ],
      [
        { id: '10.0.0.1', state: 'healthy' },
        { id: '10.0.0.2', state: 'healthy' },
        { id: '10.0.0.9', state: 'unhealthy' },
      ],
    ];
    let calls = 0;
    w.loadBalancer.targetHealth = async () => states[Math.min(calls++, states.length - 1)]!;
    expect(await targetsHealthy(w.deps, input)).toEqual({ ok: true });
    expect(calls).toBe(3);
  });

  it('fails on the first unhealthy target of the new tasks, saying why', async () => {
    const w = fakeWorld();
    w.ecs.running = [task('t1', 'td:2', '10.0.0.1')];
    w.loadBalancer.targets = [
      { id: '10.0.0.1', state: 'unhealthy', description: 'Health checks failed with these codes: [502]' },
    ];
    expect(await targetsHealthy(w.deps, input)).toEqual({
      ok: false,
      reason: 'target 10.0.0.1 is unhealthy: Health checks failed with these codes: [502]',
    });
  });

  it('fails when the targets are not healthy within the timeout, naming their states', async () => {
    const w = fakeWorld();
    w.ecs.running = [task('t1', 'td:2', '10.0.0.1')];
    w.loadBalancer.targets = [{ id: '10.0.0.1', state: 'draining' }];
    const start = w.clock.now().getTime();
    expect(await targetsHealthy(w.deps, input)).toEqual({
      ok: false,
      reason: `targets of ${SERVICE} not healthy in time (10.0.0.1 draining)`,
    });
    expect(w.clock.now().getTime() - start).toBeLessThanOrEqual(30_000);
    w.loadBalancer.targets = [];
    expect(await targetsHealthy(w.deps, input)).toEqual({
      ok: false,
      reason: `targets of ${SERVICE} not healthy in time (not registered yet)`,
    });
  });
});

describe('a release behind a target group', () => {
  function fixture() {
    const f = releaseFixture({
      descriptor: testDescriptor({
        services: [{ name: SERVICE, container: 'web', baseUrl: BASE_URL, targetGroupArn: TG }],
      }),
    });
    // The service's tasks: one address per running task of the PRIMARY revision.
    f.ecs.listRunningTasks = async () => {
      f.log.push('ECS.ListTasks');
      const primary = f.ecs.services.get(SERVICE)!.deployments.find((d) => d.status === 'PRIMARY')!;
      return [
        task('t1', primary.taskDefinitionArn, '10.0.1.1'),
        task('t2', primary.taskDefinitionArn, '10.0.1.2'),
      ];
    };
    return f;
  }

  it('probes only once the targets are healthy, then deploys', async () => {
    const f = fixture();
    let looks = 0;
    f.loadBalancer.targetHealth = async () => {
      f.log.push('ELBv2.DescribeTargetHealth');
      looks += 1;
      const state = looks < 3 ? 'initial' : 'healthy';
      return [
        { id: '10.0.1.1', state },
        { id: '10.0.1.2', state },
      ];
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    const lastLook = f.log.lastIndexOf('ELBv2.DescribeTargetHealth');
    expect(looks).toBe(3);
    expect(f.http.probes.length).toBeGreaterThan(0);
    // No probe before the gate opened: the first health event follows the third look.
    expect(lastLook).toBeGreaterThan(f.log.indexOf('ECS.UpdateService'));
  });

  it('rolls back when a new target is unhealthy, without probing the new version', async () => {
    const f = fixture();
    f.loadBalancer.targets = [
      { id: '10.0.1.1', state: 'healthy' },
      { id: '10.0.1.2', state: 'unhealthy', description: 'Request timed out' },
    ];
    let probesBeforeRollback = -1;
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      if (arn === f.oldArn) probesBeforeRollback = f.http.probes.length;
      return update(cluster, name, arn);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toMatch(/^target 10\.0\.1\.2 is unhealthy: Request timed out; rolled back/);
    expect(probesBeforeRollback).toBe(0);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
    expect(f.events.filter((e) => e.type === 'health' && e.version === NEW_SHA)).toEqual([]);
  });
});
