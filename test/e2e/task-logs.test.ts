import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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

describe("failed tasks' own log lines (sandbox)", () => {
  it("shows what an unhealthy version's tasks printed, and still exits 1", async () => {
    const app = 'crashlog';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ unhealthy: [{ version: sha }] });

    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });

    expect(run.code, run.stderr).toBe(1);
    const events = jsonLines(run.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'result', outcome: 'rolled_back', exitCode: 1 });
    const logs = events.filter((e) => e.type === 'task_log');
    expect(logs.map((e) => e.message)).toContain('Error: connect ECONNREFUSED 10.0.3.12:5432');
    expect(logs.map((e) => e.message)).toContain(`server: version ${sha} listening on :8080`);
    const tasks = new Set(logs.map((e) => e.taskArn));
    expect(tasks.size).toBeGreaterThan(0);
    expect(tasks.size).toBeLessThanOrEqual(2);
    for (const e of logs)
      expect(e).toMatchObject({ service: `${app}-staging-web`, timestamp: expect.any(String) });
    // Each logged task was reported stopped first, with its failure.
    const stopped = events.filter((e) => e.type === 'task_stopped').map((e) => e.taskArn);
    for (const task of tasks) expect(stopped).toContain(task);
    // The human log on stderr shows them too.
    expect(run.stderr).toMatch(/task-log [\w-]+-staging-web [0-9a-f]+ \| Error: connect ECONNREFUSED/);
    const reads = (await requestsFor(sandbox, app)).filter((r) => r.operation === 'GetLogEvents');
    // The migration's stream, then one read per failed task shown.
    expect(
      reads.filter((r) => (r.params as { startFromHead?: boolean }).startFromHead === false),
    ).toHaveLength(tasks.size);
  });

  it('reads no task logs when the version is healthy', async () => {
    const app = 'quietlog';
    const { sha } = await seedApp(sandbox, app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).filter((e) => e.type === 'task_log')).toEqual([]);
    const reads = (await requestsFor(sandbox, app)).filter((r) => r.operation === 'GetLogEvents');
    expect(reads.every((r) => (r.params as { startFromHead?: boolean }).startFromHead === true)).toBe(true);
  });
});
