/** The rollback branch's answers: what it restored, and what a person must do when it could not. */
import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { FakeHttp } from '../../support/fakes.ts';
import {
  BASE_URL,
  NEW_SHA,
  OLD_SHA,
  releaseFixture,
  SERVICE,
  testDescriptor,
} from '../../support/fakes-release.ts';

const SNAPSHOT = 'ferry-staging-bbbbbbb-20260304050607';
const API = 'shop-staging-api';
const API_URL = 'http://lb.test/_lb/api';
const step = (events: FerryEvent[], name: string) =>
  events.filter((e) => e.type === 'step' && e.step === name).at(-1) as
    | { status: string; detail?: string }
    | undefined;

function twoServices() {
  const f = releaseFixture({
    descriptor: testDescriptor({
      services: [
        { name: SERVICE, container: 'web', baseUrl: BASE_URL },
        { name: API, container: 'web', baseUrl: API_URL },
      ],
    }),
  });
  f.ecs.addService(API, f.oldArn);
  f.ports.http = new FakeHttp(f.ecs, { [SERVICE]: BASE_URL, [API]: API_URL });
  return f;
}

describe('the rollback branch', () => {
  it('says where it went back to, with the snapshot, and that the database was not rolled back', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1, snapshotId: SNAPSHOT });
    expect(result.next).toEqual([
      `database snapshot taken before the migration: ${SNAPSHOT}`,
      'the database was not rolled back (migrations are expand/contract)',
    ]);
    expect(step(f.events, 'rollback')).toMatchObject({ status: 'done', detail: `back on ${OLD_SHA}` });
  });

  it('exits 3 when ferry’s own rollback deployment fails too, with the command to do it by hand', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    f.ecs.scripts.set(OLD_SHA, { kind: 'breaker', polls: 1, final: true });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain(
      `the rollback did not restore the service (${SERVICE}: the rollback deployment `,
    );
    expect(step(f.events, 'rollback')).toMatchObject({ status: 'failed' });
    expect(result.next).toEqual([
      "look now: ferry status staging, and the service's events in the ECS console",
      'to retry the rollback: ferry rollback staging',
      `or by hand: aws ecs update-service --cluster shop-staging --service ${SERVICE} --task-definition ${f.oldArn}`,
      `database snapshot taken before the migration: ${SNAPSHOT}`,
    ]);
  });

  it('exits 3 when no previous revision is known to go back to', async () => {
    const f = releaseFixture();
    expect((await runRelease(f.deps, f.request)).exitCode).toBe(0);
    // A re-run of the live release, with no earlier release in the ledger to return to.
    f.http.unhealthy.set(NEW_SHA, 0);
    const result = await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('no previous revision is known to roll back to');
    expect(result.next?.some((n) => n.startsWith('or by hand'))).toBe(false);
  });

  it('checks that a service whose UpdateService failed really runs the old revision', async () => {
    const f = twoServices();
    // UpdateService of api answers an error, and ECS carries it out a moment later.
    const update = f.ecs.updateService.bind(f.ecs);
    let late: (() => Promise<unknown>) | undefined;
    f.ecs.updateService = async (cluster, name, arn) => {
      if (name === API && arn !== f.oldArn) {
        late = () => update(cluster, name, arn);
        throw Object.assign(new Error('Internal'), { name: 'ServerException', $fault: 'server' });
      }
      return update(cluster, name, arn);
    };
    const describeService = f.ecs.describeService.bind(f.ecs);
    let apiLooks = 0;
    f.ecs.describeService = async (cluster, name) => {
      if (name === API && late && ++apiLooks === 2) await late();
      return describeService(cluster, name);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain(`${API}: it runs the failed revision`);
  });

  it('says when a service whose UpdateService failed cannot be read', async () => {
    const f = twoServices();
    f.faults.inject('UpdateService', Object.assign(new Error('bad'), { name: 'InvalidParameterException' }));
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (cluster, name) => {
      if (name === SERVICE && f.ecs.updates.length > 0)
        throw Object.assign(new Error('gone'), { name: 'ServiceNotFoundException' });
      return describeService(cluster, name);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain(`${SERVICE}: cannot read the service: ServiceNotFoundException: gone`);
  });
});
