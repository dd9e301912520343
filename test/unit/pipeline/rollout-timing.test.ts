/** When the watch looks, how long ferry leaves ECS to start its own rollback, and what a timeout names. */
import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { FakeHttp } from '../../support/fakes.ts';
import { BASE_URL, NEW_SHA, releaseFixture, SERVICE, testDescriptor } from '../../support/fakes-release.ts';

describe('watching a rollout', () => {
  it('waits one poll interval after UpdateService before it first looks', async () => {
    const f = releaseFixture();
    const seen: { op: string; at: number }[] = [];
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (...args) => {
      seen.push({ op: 'update', at: f.clock.now().getTime() });
      return update(...args);
    };
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (...args) => {
      seen.push({ op: 'describe', at: f.clock.now().getTime() });
      return describeService(...args);
    };
    await runRelease(f.deps, f.request);
    const i = seen.findIndex((s) => s.op === 'update');
    expect(seen[i + 1]).toMatchObject({ op: 'describe' });
    expect(seen[i + 1]!.at - seen[i]!.at).toBe(5000);
  });

  it('names only the services that did not finish when the rollout times out', async () => {
    const api = 'shop-staging-api';
    const f = releaseFixture({
      descriptor: testDescriptor({
        services: [
          { name: SERVICE, container: 'web', baseUrl: BASE_URL },
          { name: api, container: 'web', baseUrl: 'http://lb.test/_lb/api' },
        ],
      }),
    });
    f.ecs.addService(api, f.oldArn);
    f.ports.http = new FakeHttp(f.ecs, { [SERVICE]: BASE_URL, [api]: 'http://lb.test/_lb/api' });
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      if (name === api && arn !== f.oldArn) f.ecs.scripts.set(NEW_SHA, { kind: 'stuck' });
      try {
        return await update(cluster, name, arn);
      } finally {
        f.ecs.scripts.delete(NEW_SHA);
      }
    };
    const result = await runRelease(f.deps, { ...f.request, timeoutMs: 60_000 });
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toMatch(
      /^the rollout of shop-staging-api did not complete within 60s; rolled back/,
    );
  });

  it('gives ECS three looks to start its own rollback before rolling back itself', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1, final: true });
    const ops: string[] = [];
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (...args) => {
      ops.push('describe');
      return describeService(...args);
    };
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (...args) => {
      ops.push('update');
      return update(...args);
    };
    await runRelease(f.deps, f.request);
    const first = ops.indexOf('update');
    const second = ops.indexOf('update', first + 1);
    // The look that saw the failure, then three while waiting for ECS's rollback.
    expect(ops.slice(first + 1, second)).toEqual(['describe', 'describe', 'describe', 'describe']);
  });
});
