import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, jsonLines, requestsFor, runFerry, seedApp } from './helpers.ts';

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

const outcomes = (stdout: string) =>
  jsonLines(stdout)
    .filter((l) => l.type === 'result')
    .map((l) => l.outcome);

describe('ferry deploy failures (sandbox)', () => {
  it('stops at a failed migration: exit 1, no UpdateService, the snapshot id printed', async () => {
    const app = 'badmigration';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({
      migrationExitCode: 1,
      migrationLogLines: ['ERROR: relation "orders" already exists'],
    });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/ferry-staging-[0-9a-f]{7}-\d{14}/);
    expect(run.stderr).toContain('relation "orders" already exists');
    const ops = (await requestsFor(sandbox, app)).map((r) => r.operation);
    expect(ops).toContain('RunTask');
    expect(ops).not.toContain('UpdateService');
  });

  it('rolls back a version that fails its health checks after the rollout: exit 1, old version serving', async () => {
    const app = 'sickly';
    const { sha, initialSha } = await seedApp(sandbox, app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line) => {
        if (/step verify start/.test(line)) void sandbox.control.setFaults({ unhealthy: [{ version: sha }] });
      },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(outcomes(run.stdout)).toEqual(['rolled_back']);
    const updates = (await requestsFor(sandbox, app)).filter((r) => r.operation === 'UpdateService');
    expect(updates).toHaveLength(2);
    const answer = await fetch(`${sandbox.endpoint}/_lb/${app}-staging-web/health`).then((r) => r.json());
    expect(answer).toEqual({ version: initialSha });
  });

  it('reports a circuit-breaker rollback as a failure: exit 1, never "deployed"', async () => {
    const app = 'breaker';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ failToStart: [sha] });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(outcomes(run.stdout)).toEqual(['rolled_back']);
    expect(run.stdout).not.toContain('"outcome":"deployed"');
    expect(jsonLines(run.stdout).some((l) => l.type === 'task_stopped')).toBe(true);
  });

  it('exits 3 with what to do next when the rollback does not restore a working version', async () => {
    const app = 'doomed';
    const { sha, initialSha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ failToStart: [sha] });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line) => {
        if (/step watch start/.test(line))
          void sandbox.control.setFaults({
            failToStart: [sha, initialSha],
            unhealthy: [{ version: initialSha }],
          });
      },
    });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toContain('ferry rollback staging');
  });

  it('releases the lock and exits 130 on SIGINT mid-watch, printing the state', async () => {
    const app = 'interrupted';
    const { sha } = await seedApp(sandbox, app);
    let sent = false;
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line, child) => {
        if (!sent && /step watch start/.test(line)) {
          sent = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(sent).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('UpdateService was issued');
    const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
    expect(await ports.parameters.get(`/ferry/${app}/staging/lock`)).toBeUndefined();
  });
});
