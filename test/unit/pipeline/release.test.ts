import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { serverError, throttle } from '../../support/fakes.ts';
import {
  mutatingCalls,
  NEW_SHA,
  OLD_SHA,
  releaseFixture,
  SERVICE,
  testConfig,
  testDescriptor,
} from '../../support/fakes-release.ts';

const LOCK = '/ferry/shop/staging/lock';
const LEDGER = '/ferry/shop/staging/releases';

const resultOf = (events: FerryEvent[]) => events.filter((e) => e.type === 'result');
const stepStatus = (events: FerryEvent[], step: string) =>
  events.filter((e) => e.type === 'step' && e.step === step).map((e) => (e as { status: string }).status);

describe('runRelease (deploy)', () => {
  it('snapshots, registers, migrates, then updates the service, verifies and records a deployed release', async () => {
    const f = releaseFixture();
    const result = await runRelease(f.deps, f.request);

    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0, digest: f.newDigest });
    const order = [
      'RDS.CreateDBSnapshot',
      'ECS.RegisterTaskDefinition',
      'ECS.RunTask',
      'ECS.UpdateService',
    ].map((c) => f.log.indexOf(c));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(f.log.indexOf('SSM.PutParameter')).toBeLessThan(order[0]!);

    const registered = [...f.ecs.defs.values()].at(-1)!;
    expect(registered.containers[0]!.image).toBe(
      `111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging@${f.newDigest}`,
    );
    expect(registered.containers[0]!.environment.APP_VERSION).toBe(NEW_SHA);
    expect(registered.tags).toEqual({ 'ferry:sha': NEW_SHA, 'ferry:digest': f.newDigest });
    expect(f.ecs.updates).toEqual([{ service: SERVICE, taskDefinitionArn: registered.arn }]);
    expect(f.parameters.values.has(LOCK)).toBe(false);
    expect(resultOf(f.events)).toEqual([
      expect.objectContaining({ type: 'result', outcome: 'deployed', exitCode: 0, sha: NEW_SHA }),
    ]);
  });

  it('writes one ledger record with the fields of docs/architecture.md, then each service revisions', async () => {
    const f = releaseFixture();
    await runRelease(f.deps, { ...f.request, actor: 'octocat' });
    const record = f.parameters.json(LEDGER) as Record<string, unknown>;
    expect(Object.keys(record).slice(0, 10)).toEqual([
      'sha',
      'digest',
      'taskDefinitionArn',
      'previousTaskDefinitionArn',
      'snapshotId',
      'outcome',
      'actor',
      'startedAt',
      'finishedAt',
      'steps',
    ]);
    expect(Object.keys(record).slice(10)).toEqual(['kind', 'services']);
    expect(record.services).toEqual([
      { name: SERVICE, taskDefinitionArn: record.taskDefinitionArn, previousTaskDefinitionArn: f.oldArn },
    ]);
    expect(record).toMatchObject({
      kind: 'deploy',
      sha: NEW_SHA,
      digest: f.newDigest,
      previousTaskDefinitionArn: f.oldArn,
      snapshotId: 'ferry-staging-bbbbbbb-20260304050607',
      outcome: 'deployed',
      actor: 'octocat',
      startedAt: '2026-03-04T05:06:07.000Z',
    });
    const steps = (record.steps as { name: string; ms: number }[]).map((s) => s.name);
    expect(steps).toEqual([
      'resolve',
      'lock',
      'snapshot',
      'register',
      'migrate',
      'deploy',
      'watch',
      'verify',
    ]);
  });

  it('takes the actor from the STS identity when GITHUB_ACTOR is absent', async () => {
    const f = releaseFixture();
    await runRelease(f.deps, f.request);
    expect((f.parameters.json(LEDGER) as { actor: string }).actor).toBe(
      'arn:aws:sts::111111111111:assumed-role/deploy/ferry',
    );
  });

  it('streams the migration log lines as migration_log events', async () => {
    const f = releaseFixture();
    f.logs.lines = ['applying 0001_init', 'done'];
    await runRelease(f.deps, f.request);
    expect(
      f.events.filter((e) => e.type === 'migration_log').map((e) => (e as { message: string }).message),
    ).toEqual(['applying 0001_init', 'done']);
  });

  it('stops at a failed migration: no UpdateService, exit 1, the snapshot id reported', async () => {
    const f = releaseFixture();
    f.ecs.migration = { exitCode: 3, polls: 1 };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({
      outcome: 'failed',
      exitCode: 1,
      snapshotId: 'ferry-staging-bbbbbbb-20260304050607',
    });
    expect(result.reason).toContain('exited with code 3');
    expect(f.log).not.toContain('ECS.UpdateService');
    expect(f.parameters.values.has(LOCK)).toBe(false);
    expect((f.parameters.json(LEDGER) as { outcome: string }).outcome).toBe('failed');
  });

  it('fails a migration that never started, saying why', async () => {
    const f = releaseFixture();
    f.ecs.migration = {
      polls: 1,
      stopCode: 'TaskFailedToStart',
      reason: 'CannotPullContainerError: pull access denied',
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(1);
    expect(result.reason).toContain('TaskFailedToStart: CannotPullContainerError');
    expect(f.log).not.toContain('ECS.UpdateService');
  });

  it('stops a migration that outlives migrate.timeout', async () => {
    const f = releaseFixture({ config: testConfig({ migrate: { command: ['migrate'], timeout: '30s' } }) });
    f.ecs.migration = { exitCode: 0, polls: 1000 };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(1);
    expect(f.log).toContain('ECS.StopTask');
    expect(f.log).not.toContain('ECS.UpdateService');
  });

  it('reports a circuit-breaker rollback as a failure (exit 1), never as deployed', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 2 });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(resultOf(f.events).map((e) => (e as { outcome: string }).outcome)).toEqual(['rolled_back']);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
    // ECS rolled back by itself: ferry issued no second UpdateService.
    expect(f.ecs.updates).toHaveLength(1);
    expect(stepStatus(f.events, 'verify')).toEqual([]);
    expect(f.events.some((e) => e.type === 'service_event' && e.failure)).toBe(true);
    expect((f.parameters.json(LEDGER) as { outcome: string }).outcome).toBe('rolled_back');
  });

  it('exits 3 when ECS rollback itself fails', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'breaker', polls: 1, rollbackFails: true });
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.next?.join('\n')).toContain('ferry rollback staging');
    expect(f.parameters.values.has(LOCK)).toBe(false);
  });

  it('rolls back to the previous revision when the new version fails its health checks', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 1);
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates.map((u) => u.taskDefinitionArn)).toEqual([expect.stringMatching(/:2$/), f.oldArn]);
    expect(f.ecs.servingVersion(SERVICE)).toBe(OLD_SHA);
    expect(stepStatus(f.events, 'verify')).toEqual(['start', 'failed']);
    expect(stepStatus(f.events, 'rollback')).toEqual(['start', 'done']);
  });

  it('exits 3 when the old version does not answer after the rollback', async () => {
    const f = releaseFixture();
    f.http.unhealthy.set(NEW_SHA, 0);
    f.http.unhealthy.set(OLD_SHA, 0);
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toContain('old version does not answer');
  });

  it('rolls back by itself when the rollout does not complete within --timeout', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'stuck' });
    const result = await runRelease(f.deps, { ...f.request, timeoutMs: 60_000 });
    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.ecs.updates.at(-1)!.taskDefinitionArn).toBe(f.oldArn);
  });

  it('tolerates throttling and 5xx while polling, and backs off only when throttled', async () => {
    const f = releaseFixture();
    f.faults.inject('DescribeServices', serverError(), throttle(), throttle(), serverError());
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(0);
    expect(f.clock.sleeps).toContain(10_000);
    expect(f.clock.sleeps).toContain(20_000);
    expect(Math.max(...f.clock.sleeps)).toBe(20_000);
  });

  it('gives up with exit 3 when polling fails too often in a row after UpdateService', async () => {
    const f = releaseFixture();
    f.ecs.onDescribeService = (n) => {
      if (n === 2) f.faults.inject('DescribeServices', ...Array.from({ length: 6 }, serverError));
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 3 });
    expect(result.reason).toMatch(/state unknown/);
    expect(f.parameters.values.has(LOCK)).toBe(false);
  });

  it('releases the lock and exits 130 when aborted mid-watch', async () => {
    const f = releaseFixture();
    f.ecs.scripts.set(NEW_SHA, { kind: 'stuck' });
    f.ecs.onDescribeService = (n) => {
      if (n === 3) f.controller.abort(new Error('SIGINT'));
    };
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 130 });
    expect(f.parameters.values.has(LOCK)).toBe(false);
    expect(result.next?.join('\n')).toContain('UpdateService was issued');
    expect(resultOf(f.events)).toHaveLength(1);
  });

  it('plans without changing anything on --dry-run', async () => {
    const f = releaseFixture();
    const result = await runRelease(f.deps, { ...f.request, dryRun: true });
    expect(result).toMatchObject({ outcome: 'ok', exitCode: 0 });
    expect(mutatingCalls(f.log)).toEqual([]);
    const plan = f.events.find((e) => e.type === 'plan') as { lines: string[] };
    expect(plan.lines.join('\n')).toContain('ferry-staging-bbbbbbb-20260304050607');
    expect(plan.lines.join('\n')).toContain('["npm","run","migrate"]');
    expect(plan.lines.join('\n')).toMatch(/@sha256:a+0+ -> .*@sha256:b+0+$/m);
  });

  it('exits 2 without any mutating call when the image tag does not exist', async () => {
    const f = releaseFixture();
    const sha = 'c'.repeat(40);
    const result = await runRelease(f.deps, { ...f.request, sha });
    expect(result.exitCode).toBe(2);
    expect(result.reason).toContain(`no image tagged ${sha}`);
    expect(mutatingCalls(f.log)).toEqual([]);
  });

  it("keeps the newest snapshots.keep ferry snapshots and never deletes anyone else's", async () => {
    const f = releaseFixture({ config: testConfig({ snapshots: { keep: 2 } }) });
    const day = (d: number) => new Date(Date.UTC(2026, 2, d));
    f.database.add('ferry-staging-1111111-20260301000000', day(1), { 'ferry:managed': 'true' });
    f.database.add('ferry-staging-2222222-20260302000000', day(2), { 'ferry:managed': 'true' });
    f.database.add('before-upgrade', day(1), {});
    f.database.add('ferry-staging-by-hand', day(1), {});
    await runRelease(f.deps, f.request);
    expect([...f.database.snapshots.keys()].sort()).toEqual([
      'before-upgrade',
      'ferry-staging-2222222-20260302000000',
      'ferry-staging-bbbbbbb-20260304050607',
      'ferry-staging-by-hand',
    ]);
    expect(f.database.snapshots.get('ferry-staging-bbbbbbb-20260304050607')!.tags).toMatchObject({
      'ferry:managed': 'true',
      'ferry:sha': NEW_SHA,
    });
  });

  it('skips the snapshot when there is no migration, and when the environment has no database', async () => {
    const noMigrate = releaseFixture({ config: testConfig({ migrate: undefined }) });
    await runRelease(noMigrate.deps, noMigrate.request);
    expect(stepStatus(noMigrate.events, 'snapshot')).toEqual(['skipped']);
    expect(noMigrate.log).not.toContain('RDS.CreateDBSnapshot');
    expect(noMigrate.log).not.toContain('ECS.RunTask');

    const noDatabase = releaseFixture({ descriptor: testDescriptor({ database: undefined }) });
    const result = await runRelease(noDatabase.deps, noDatabase.request);
    expect(result.exitCode).toBe(0);
    expect(stepStatus(noDatabase.events, 'snapshot')).toEqual(['skipped']);
    expect(noDatabase.log).not.toContain('RDS.CreateDBSnapshot');
    expect(noDatabase.log).toContain('ECS.RunTask');
  });

  it('converges on a re-run: a service already on the release goes straight to verification', async () => {
    const f = releaseFixture();
    await runRelease(f.deps, f.request);
    const registered = f.ecs.defs.size;
    const updates = f.ecs.updates.length;
    f.log.length = 0;
    const again = await runRelease(f.deps, { ...f.request, runId: 'run-2' });
    expect(again).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(f.ecs.defs.size).toBe(registered);
    expect(f.ecs.updates).toHaveLength(updates);
    expect(f.log).not.toContain('RDS.CreateDBSnapshot');
    expect(f.log).not.toContain('ECS.RunTask');
    expect(stepStatus(f.events.slice(-20), 'verify')).toEqual(['start', 'done']);
  });

  it('reuses the revision registered by a crashed run instead of registering another', async () => {
    const f = releaseFixture();
    f.ecs.addRevision(
      'shop-staging-web',
      NEW_SHA,
      `111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging@${f.newDigest}`,
      {
        'ferry:sha': NEW_SHA,
        'ferry:digest': f.newDigest,
      },
    );
    await runRelease(f.deps, f.request);
    expect(f.log).not.toContain('ECS.RegisterTaskDefinition');
    expect(f.ecs.updates[0]!.taskDefinitionArn).toMatch(/:2$/);
  });
});

describe('runRelease (lock)', () => {
  it('exits 4 naming the holder when another run holds the lock, and changes nothing', async () => {
    const f = releaseFixture();
    const holder = {
      owner: 'bob@ci',
      runId: 'other',
      sha: 'c'.repeat(40),
      acquiredAt: '2026-03-04T05:00:00.000Z',
      expiresAt: '2026-03-04T09:00:00.000Z',
    };
    f.parameters.values.set(LOCK, { value: JSON.stringify(holder), version: 1, history: [] });
    f.log.length = 0;
    const result = await runRelease(f.deps, f.request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 4 });
    expect(result.reason).toContain(
      'bob@ci since 2026-03-04T05:00:00.000Z for SHA cccccccccccccccccccccccccccccccccccccccc',
    );
    expect(mutatingCalls(f.log)).toEqual(['SSM.PutParameter']);
    expect(JSON.parse(f.parameters.values.get(LOCK)!.value)).toEqual(holder);
  });

  it('takes over an expired lock with a warning', async () => {
    const f = releaseFixture();
    const holder = {
      owner: 'bob@ci',
      runId: 'dead',
      sha: 'c'.repeat(40),
      acquiredAt: '2026-03-03T05:00:00.000Z',
      expiresAt: '2026-03-03T07:00:00.000Z',
    };
    f.parameters.values.set(LOCK, { value: JSON.stringify(holder), version: 1, history: [] });
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(0);
    expect(f.events).toContainEqual(
      expect.objectContaining({
        type: 'log',
        level: 'warn',
        message: expect.stringContaining('took over an expired lock held by bob@ci'),
      }),
    );
  });

  it('never releases a lock another run took over', async () => {
    const f = releaseFixture();
    f.ecs.onDescribeService = (n) => {
      if (n === 2)
        f.parameters.values.set(LOCK, {
          value: JSON.stringify({ owner: 'x', runId: 'thief', sha: 'c', acquiredAt: '', expiresAt: '' }),
          version: 9,
          history: [],
        });
    };
    await runRelease(f.deps, f.request);
    expect(JSON.parse(f.parameters.values.get(LOCK)!.value).runId).toBe('thief');
  });
});

describe('runRelease (several services)', () => {
  const ADMIN = 'shop-staging-admin';
  const ADMIN_URL = 'http://lb.test/_lb/shop-staging-admin';

  it('registers once for services sharing a family, updates all at once, and rolls every one back when one fails', async () => {
    const f = releaseFixture({
      descriptor: testDescriptor({
        services: [
          { name: SERVICE, container: 'web', baseUrl: 'http://lb.test/_lb/shop-staging-web' },
          { name: ADMIN, container: 'web', baseUrl: ADMIN_URL },
        ],
      }),
    });
    f.http.services[ADMIN] = ADMIN_URL;
    f.ecs.addService(ADMIN, f.oldArn);
    f.ecs.scripts.set(`${ADMIN}:${NEW_SHA}`, { kind: 'breaker' });
    const result = await runRelease(f.deps, f.request);

    expect(result).toMatchObject({ outcome: 'rolled_back', exitCode: 1 });
    expect(f.log.filter((c) => c === 'ECS.RegisterTaskDefinition')).toHaveLength(1);
    const registered = [...f.ecs.defs.values()].at(-1)!.arn;
    expect(f.ecs.updates.slice(0, 2)).toEqual([
      { service: SERVICE, taskDefinitionArn: registered },
      { service: ADMIN, taskDefinitionArn: registered },
    ]);
    // The web service rolled out fine, yet goes back too.
    expect(f.ecs.updates).toContainEqual({ service: SERVICE, taskDefinitionArn: f.oldArn });
    const record = f.parameters.json(LEDGER) as { services: unknown[] };
    expect(record.services).toEqual([
      { name: SERVICE, taskDefinitionArn: registered, previousTaskDefinitionArn: f.oldArn },
      { name: ADMIN, taskDefinitionArn: registered, previousTaskDefinitionArn: f.oldArn },
    ]);
  });
});
