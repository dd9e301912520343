/**
 * Releases of several services (each is judged on its own, and a failure of
 * one rolls all of them back), services that cannot be deployed to, and the
 * UpdateService error branch.
 */
import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { FakeHttp, serverError } from '../../support/fakes.ts';
import {
  BASE_URL,
  mutatingCalls,
  NEW_SHA,
  OLD_SHA,
  releaseFixture,
  SERVICE,
  testDescriptor,
} from '../../support/fakes-release.ts';

const API = 'shop-staging-api';
const API_URL = 'http://lb.test/_lb/shop-staging-api';

const stepStatus = (events: FerryEvent[], step: string) =>
  events.filter((e) => e.type === 'step' && e.step === step).map((e) => (e as { status: string }).status);

/** shop-staging-web and shop-staging-api both run OLD_SHA. */
function twoServices() {
  const descriptor = testDescriptor({
    services: [
      { name: SERVICE, container: 'web', baseUrl: BASE_URL },
      { name: API, container: 'web', baseUrl: API_URL },
    ],
  });
  const f = releaseFixture({ descriptor });
  f.ecs.addService(API, f.oldArn);
  const http = new FakeHttp(f.ecs, { [SERVICE]: BASE_URL, [API]: API_URL });
  f.ports.http = http;
  return { ...f, http };
}

const updatesOf = (f: ReturnType<typeof twoServices>, service: string) =>
  f.ecs.updates.filter((u) => u.service === service).map((u) => u.taskDefinitionArn);

describe('several services', () => {
  it('deploys every service and verifies each', async () => {
    const f = twoServices();
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.ecs.servingVersion(SERVICE)).toBe(NEW_SHA);
    expect(f.ecs.servingVersion(API)).toBe(NEW_SHA);
    expect(f.http.probes.some((u) => u.startsWith(API_URL))).toBe(true);
    expect(f.http.probes.some((u) => u.startsWith(BASE_URL))).toBe(true);
  });

  it('rolls every service back when only one fails its health checks', async () => {
    const f = twoServices();
    const get = f.http.get.bind(f.http);
    f.ports.http = {
      get: async (url) => {
        const answer = await get(url);
        const body = 'body' in answer ? (answer.body ?? '') : '';
        return url.startsWith(API_URL) && body.includes(NEW_SHA) ? { status: 503, body: '{}' } : answer;
      },
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toContain(API_URL);
    expect(updatesOf(f, SERVICE).at(-1)).toBe(f.oldArn);
    expect(updatesOf(f, API).at(-1)).toBe(f.oldArn);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
    expect(f.ecs.servingVersion(API)).toBe(OLD_SHA);
  });

  it('rolls every service back when the circuit breaker fails only one of them', async () => {
    const f = twoServices();
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      if (name === API && arn !== f.oldArn) f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1 });
      try {
        return await update(cluster, name, arn);
      } finally {
        f.ecs.scripts.delete(NEW_SHA);
      }
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toContain(`${API}:`);
    // web completed: ferry takes it back itself; api: ECS's own rollback, no second UpdateService.
    expect(updatesOf(f, SERVICE)).toEqual([expect.stringMatching(/:2$/), f.oldArn]);
    expect(updatesOf(f, API)).toEqual([expect.stringMatching(/:2$/)]);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
    expect(f.ecs.servingVersion(API)).toBe(OLD_SHA);
  });

  it('waits for every service before it verifies', async () => {
    const f = twoServices();
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      if (name === API) f.ecs.scripts.set(NEW_SHA, { kind: 'complete', polls: 6 });
      try {
        return await update(cluster, name, arn);
      } finally {
        f.ecs.scripts.delete(NEW_SHA);
      }
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    const watchDone = f.events.findIndex(
      (e) => e.type === 'step' && e.step === 'watch' && e.status === 'done',
    );
    const firstProbe = f.events.findIndex((e) => e.type === 'health');
    expect(watchDone).toBeGreaterThan(-1);
    expect(firstProbe).toBeGreaterThan(watchDone);
  });

  it('on a re-run, deploys, snapshots and migrates when only one of the services already runs the release', async () => {
    const f = twoServices();
    expect((await runRelease(f.deps, f.request)).exitCode).toBe(0);
    const newArn = updatesOf(f, SERVICE)[0]!;
    // A crash half-way: api is back on the old revision.
    f.ecs.addService(API, f.oldArn);
    f.log.length = 0;
    const again = await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(again).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.log).toContain('RDS.CreateDBSnapshot');
    expect(f.log).toContain('ECS.RunTask');
    expect(f.log).not.toContain('ECS.RegisterTaskDefinition');
    expect(updatesOf(f, API).at(-1)).toBe(newArn);
    expect(f.ecs.servingVersion(API)).toBe(NEW_SHA);
  });

  it('goes straight to verification when every service already runs the release', async () => {
    const f = twoServices();
    await runRelease(f.deps, f.request);
    const updates = f.ecs.updates.length;
    const again = await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(again).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.ecs.updates).toHaveLength(updates);
    expect(stepStatus(f.events.slice(-40), 'deploy')).toEqual(['skipped']);
  });
});

describe('UpdateService errors', () => {
  it('rolls back the services it did update, and checks the one it could not', async () => {
    const f = twoServices();
    f.faults.inject(
      'UpdateService',
      Object.assign(new Error('Unable to assume the service linked role.'), { name: 'ClientException' }),
    );
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(result.reason).toContain(`${SERVICE}: ClientException: Unable to assume the service linked role.`);
    expect(stepStatus(f.events, 'deploy')).toEqual(['start', 'failed']);
    expect(stepStatus(f.events, 'watch')).toEqual([]);
    expect(updatesOf(f, SERVICE)).toEqual([]);
    expect(updatesOf(f, API)).toEqual([expect.stringMatching(/:2$/), f.oldArn]);
    expect(f.ecs.servingVersion(API)).toBe(OLD_SHA);
    expect(f.http.probes.some((u) => u.startsWith(BASE_URL))).toBe(true);
  });

  it('follows the deployment when UpdateService errored but ECS applied it (a lost response)', async () => {
    const f = releaseFixture();
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      await update(cluster, name, arn);
      throw serverError();
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.events).toContainEqual(
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('but ECS applied it') }),
    );
  });

  it('exits 3 when the rollback UpdateService fails too', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (cluster, name, arn) => {
      if (arn === f.oldArn) throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
      return update(cluster, name, arn);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('UpdateService failed: AccessDeniedException: denied');
  });
});

describe('a service that cannot take a release', () => {
  it.each(['DRAINING', 'INACTIVE'])('is refused when %s, before any change (exit 2)', async (status) => {
    const f = twoServices();
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (cluster, name) => {
      const s = await describeService(cluster, name);
      return name === API ? { ...s, status } : s;
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 2 });
    expect(result.reason).toBe(
      `service ${API} in cluster shop-staging is ${status}, not ACTIVE; check the descriptor`,
    );
    expect(mutatingCalls(f.log)).toEqual([]);
  });
});
