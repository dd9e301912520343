import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import {
  appDir,
  FAST,
  freshSha,
  jsonLines,
  requestsFor,
  runFerry,
  runInProcess,
  seedApp,
} from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});
afterEach(async () => {
  await sandbox.control.clearFaults();
});

const ops = (requests: { service: string; operation: string }[]) => requests.map((r) => r.operation);

describe('ferry deploy (sandbox)', () => {
  it('deploys: snapshot before migration before UpdateService, digest-pinned revision, ledger entry, --json contract', async () => {
    const app = 'happy';
    const { sha, digest } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);

    const lines = jsonLines(run.stdout);
    for (const line of lines) {
      expect(typeof line.type).toBe('string');
      expect(Number.isNaN(Date.parse(String(line.ts)))).toBe(false);
    }
    expect(lines.at(-1)).toMatchObject({
      type: 'result',
      outcome: 'deployed',
      exitCode: 0,
      env: 'staging',
      sha,
      digest,
    });
    expect(lines.filter((l) => l.type === 'result')).toHaveLength(1);

    const requests = await requestsFor(sandbox, app);
    const order = ['CreateDBSnapshot', 'RunTask', 'UpdateService'].map((op) => ops(requests).indexOf(op));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const register = requests.find((r) => r.operation === 'RegisterTaskDefinition')!;
    expect(JSON.stringify(register.params)).toContain(`/${app}-staging@${digest}`);
    const update = requests.find((r) => r.operation === 'UpdateService')!.params as Record<string, unknown>;
    // The service's own deployment alarms go along, so alarm-based rollback stays on.
    expect(update.deploymentConfiguration).toEqual({
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms: {
        alarmNames: [`${app}-staging-target-5xx`, `${app}-staging-alb-5xx`, `${app}-staging-unhealthy-hosts`],
        enable: true,
        rollback: true,
      },
    });

    const history = await runFerry(['history', 'staging', '--json'], { cwd, env: sandbox.env });
    expect(history.code, history.stderr).toBe(0);
    const releases = jsonLines(history.stdout).filter((l) => l.type === 'release');
    expect(releases).toHaveLength(1);
    expect(releases[0]).toMatchObject({
      sha,
      digest,
      outcome: 'deployed',
      previousTaskDefinitionArn: expect.stringContaining(':task-definition/'),
    });
    expect(String(releases[0]!.snapshotId)).toMatch(/^ferry-staging-[0-9a-f]{7}-\d{14}$/);

    const status = await runFerry(['status', 'staging', '--json'], { cwd, env: sandbox.env });
    expect(status.code, status.stderr).toBe(0);
    const report = jsonLines(status.stdout).find((l) => l.type === 'status') as {
      services: { sha: string; digest: string; rolloutState: string }[];
    };
    expect(report.services[0]).toMatchObject({ sha, digest, rolloutState: 'COMPLETED' });
    expect(jsonLines(status.stdout).at(-1)).toMatchObject({ type: 'result', outcome: 'ok' });

    const human = await runFerry(['status'], { cwd, env: sandbox.env });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(sha.slice(0, 12));
    expect(human.stdout).toContain('lock: free');
    expect(human.stdout).toContain('deployed');
  });

  it('converges when the same deploy runs again: no new revision, no snapshot, no UpdateService', async () => {
    const app = 'again';
    const { sha } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    expect(
      (await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env })).code,
    ).toBe(0);
    await sandbox.control.clearRequests();
    const again = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    expect(again.code, again.stderr).toBe(0);
    const requests = ops(await requestsFor(sandbox, app));
    for (const op of ['RegisterTaskDefinition', 'CreateDBSnapshot', 'RunTask', 'UpdateService'])
      expect(requests).not.toContain(op);
    expect(again.stderr).toMatch(/verify done/);
  });

  it('rolls back with `ferry rollback` to the previous successful release, without snapshot or migration', async () => {
    const app = 'backagain';
    const { sha: first } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    expect(
      (await runFerry(['deploy', 'staging', '--sha', first, ...FAST], { cwd, env: sandbox.env })).code,
    ).toBe(0);
    const second = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, second);
    expect(
      (await runFerry(['deploy', 'staging', '--sha', second, ...FAST], { cwd, env: sandbox.env })).code,
    ).toBe(0);

    await sandbox.control.clearRequests();
    const back = await runFerry(['rollback', 'staging', '--json', ...FAST], { cwd, env: sandbox.env });
    expect(back.code, back.stderr).toBe(0);
    expect(jsonLines(back.stdout).at(-1)).toMatchObject({ type: 'result', outcome: 'deployed', sha: first });
    const requests = ops(await requestsFor(sandbox, app));
    expect(requests).toContain('UpdateService');
    expect(requests).not.toContain('CreateDBSnapshot');
    expect(requests).not.toContain('RunTask');
    expect(requests).not.toContain('RegisterTaskDefinition');
  });

  it('still deploys with 30% throttling and 5% server errors', async () => {
    const app = 'bumpy';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ throttleRate: 0.3, errorRate: 0.05 });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
  });

  it('exits 4 naming the holder when the environment is locked, and changes nothing', async () => {
    const app = 'locked';
    const { sha } = await seedApp(sandbox, app);
    const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
    const holder = {
      owner: 'bob@ci',
      runId: 'r-1',
      sha: 'd'.repeat(40),
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await ports.parameters.putIfAbsent(`/ferry/${app}/staging/lock`, JSON.stringify(holder));
    await sandbox.control.clearRequests();

    const cwd = appDir(app);
    const run = await runInProcess(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('bob@ci');
    expect(run.stderr).toContain('d'.repeat(40));
    const mutating = (await requestsFor(sandbox, app)).filter(
      (r) =>
        r.operation !== 'PutParameter' && /^(Put|Create|Delete|Register|Run|Update|Stop)/.test(r.operation),
    );
    expect(mutating).toEqual([]);

    const status = await runFerry(['lock', 'status', 'staging'], { cwd, env: sandbox.env });
    expect(status.stdout).toContain('locked by bob@ci');
    const dry = await runFerry(['lock', 'release', 'staging', '--force', '--dry-run'], {
      cwd,
      env: sandbox.env,
    });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('would release the lock held by bob@ci');
    expect(await ports.parameters.get(`/ferry/${app}/staging/lock`)).toBeDefined();
    const release = await runFerry(['lock', 'release', 'staging', '--force'], { cwd, env: sandbox.env });
    expect(release.code).toBe(0);
    expect(release.stdout).toContain('released the live lock held by bob@ci');
    expect(await ports.parameters.get(`/ferry/${app}/staging/lock`)).toBeUndefined();
  });

  it('prints the plan on --dry-run and makes no mutating call', async () => {
    const app = 'dryrun';
    const { sha, digest } = await seedApp(sandbox, app);
    await sandbox.control.clearRequests();
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--dry-run', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(digest);
    expect(run.stderr).toMatch(/ferry-staging-[0-9a-f]{7}-\d{14}/);
    expect(run.stderr).toContain('["npm","run","migrate"]');
    const all = await sandbox.control.requests();
    expect(all.filter((r) => /^(Put|Create|Delete|Register|Run|Update|Stop)/.test(r.operation))).toEqual([]);
  });
});
