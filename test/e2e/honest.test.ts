import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, jsonLines, runFerry, seedApp } from './helpers.ts';

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

const serving = async (app: string) =>
  (
    (await fetch(`${sandbox.endpoint}/_lb/${app}-staging-web/health`).then((r) => r.json())) as {
      version: string;
    }
  ).version;

describe('honest outcomes (sandbox)', () => {
  it('follows the deployment an UpdateService created even though its answer was lost, instead of claiming a rollback', async () => {
    const app = 'lostupdate';
    const { sha } = await seedApp(sandbox, app);
    // ECS applies every UpdateService, and every answer is a 500.
    await sandbox.control.setFaults({
      calls: [{ kind: 'lost-response', operation: 'UpdateService', times: 0 }],
    });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result.reason ?? '').not.toMatch(/answers its health checks/);
    expect(run.code, run.stderr).toBe(0);
    expect(await serving(app)).toBe(sha);
  }, 60_000);

  it('finishes a rollback whose UpdateService answers were lost, checking the old version really answers', async () => {
    const app = 'lostrollback';
    const { sha, initialSha } = await seedApp(sandbox, app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line) => {
        if (/step verify start/.test(line))
          void sandbox.control.setFaults({
            unhealthy: [{ version: sha }],
            calls: [{ kind: 'lost-response', operation: 'UpdateService', times: 0 }],
          });
      },
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('ECS applied it');
    expect(await serving(app)).toBe(initialSha);
  }, 60_000);

  it('checks the service before saying it is restored when every UpdateService failed: exit 3 when the old version does not answer', async () => {
    const app = 'failedupdate';
    const { sha, initialSha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ errorRate: 1, faultOperations: ['UpdateService'] });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line) => {
        if (/step rollback start/.test(line))
          void sandbox.control.setFaults({
            errorRate: 1,
            faultOperations: ['UpdateService'],
            unhealthy: [{ version: initialSha }],
          });
      },
    });
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result.reason ?? '').not.toMatch(/answers its health checks/);
    expect(run.code, run.stderr).toBe(3);
  }, 60_000);

  it('keeps and prints the id of a snapshot that failed, and stops before the migration', async () => {
    const app = 'badsnapshot';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ snapshotsFail: true });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(1);
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result.snapshotId).toMatch(/^ferry-staging-[0-9a-f]{7}-\d{14}$/);
    expect(run.stderr).toContain(String(result.snapshotId));
    expect(run.stderr).not.toContain('step migrate start');
  }, 60_000);

  it('ends a hung AWS connection with a clear error instead of hanging', async () => {
    const app = 'hung';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({
      calls: [{ kind: 'hang', operation: 'GetParameter', match: '/descriptor', times: 0 }],
    });
    const started = Date.now();
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: { ...sandbox.env, FERRY_AWS_REQUEST_TIMEOUT: '500ms' },
      timeoutMs: 40_000,
    });
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/descriptor.*(timed out|Timeout)/i);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
