/**
 * GitHub cancels a job with SIGINT, then SIGTERM 7.5 s later, then SIGKILL. These
 * tests send SIGINT and, 1 s later, SIGTERM, to ferry itself and to ferry started
 * through `npx` as the workflows do.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, FERRY, type FerryRun, requestsFor, runFerry, seedApp } from './helpers.ts';

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

type Kill = (signal: NodeJS.Signals) => void;

/** On the first line matching `at`: SIGINT now, SIGTERM one second later. */
function cancelAt(at: RegExp) {
  const sent: { at?: number } = {};
  return {
    sent,
    onLine(line: string, child: { kill: Kill }) {
      if (sent.at || !at.test(line)) return;
      sent.at = Date.now();
      child.kill('SIGINT');
      setTimeout(() => child.kill('SIGTERM'), 1000);
    },
  };
}

/**
 * `npx ferry ...` from a scratch project whose node_modules/.bin/ferry is this
 * repository's bin. npx does not forward signals to ferry: like a terminal's
 * Ctrl-C, the signals go to the whole process group (npx and ferry).
 */
function runThroughNpx(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  at: RegExp,
): Promise<FerryRun> {
  mkdirSync(join(cwd, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(FERRY, join(cwd, 'node_modules', '.bin', 'ferry'));
  const cancel = cancelAt(at);
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['--no-install', 'ferry', ...args], {
      cwd,
      env: {
        PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
        HOME: cwd,
        npm_config_cache: join(cwd, '.npm'),
        npm_config_update_notifier: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const group = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // already gone
      }
    };
    let stdout = '';
    let stderr = '';
    let partial = '';
    const killer = setTimeout(() => group('SIGKILL'), 50_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) cancel.onLine(line, { kill: group });
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * npx re-raises the signal it got once ferry has exited (a shell reports that as
 * 130 too), or dies of the SIGTERM first: ferry's own exit is in its output.
 */
function expectInterrupted(run: FerryRun): void {
  const viaSignal = run.signal === 'SIGINT' || run.signal === 'SIGTERM';
  expect(run.code === 130 || viaSignal, `${run.code} ${run.signal} ${run.stderr}`).toBe(true);
  expect(run.stderr).toContain('exit 130');
}

async function afterCancel(app: string, signalAt: number | undefined) {
  expect(signalAt).toBeDefined();
  const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
  const lock = await ports.parameters.get(`/ferry/${app}/staging/lock`);
  const requests = await requestsFor(sandbox, app);
  const state = await sandbox.control.state();
  const migrations = (state.tasks as { taskArn: string; serviceName?: string; lastStatus: string }[]).filter(
    (t) => !t.serviceName && t.taskArn.includes(`/${app}-staging/`),
  );
  return { lock, requests, migrations };
}

describe('cancellation (sandbox)', () => {
  it('stops the migration task, waits for STOPPED, then releases the lock: SIGINT then SIGTERM during the migration', async () => {
    const app = 'cancelmigrate';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ migrationRunSeconds: 3600 });
    const cancel = cancelAt(/step migrate start/);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: cancel.onLine,
    });
    expect(run.code, run.stderr).toBe(130);
    const { lock, requests, migrations } = await afterCancel(app, cancel.sent.at);
    expect(requests.map((r) => r.operation)).toContain('StopTask');
    expect(requests.map((r) => r.operation)).not.toContain('UpdateService');
    expect(migrations.length).toBeGreaterThan(0);
    for (const t of migrations) expect(t.lastStatus).toBe('STOPPED');
    expect(lock).toBeUndefined();
    expect(run.stderr).toMatch(/ferry-staging-[0-9a-f]{7}-\d{14}/);
    expect(run.stderr).toContain('STOPPED');
  }, 60_000);

  it('keeps the lock, and says why, when the stopped migration task is not seen STOPPED in time', async () => {
    const app = 'cancelstuck';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({
      migrationRunSeconds: 3600,
      errorRate: 1,
      faultOperations: ['StopTask'],
    });
    // The StopTask calls fail, so the task goes on running: ferry must not let go of the lock.
    const cancel = cancelAt(/step migrate start/);
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: { ...sandbox.env, FERRY_LOCK_TTL: '30s' },
      onLine: cancel.onLine,
    });
    expect(run.code, run.stderr).toBe(130);
    const { lock } = await afterCancel(app, cancel.sent.at);
    expect(lock).toBeDefined();
    expect(run.stderr).toMatch(/keeping the lock/);
  }, 60_000);

  it('exits 130 without a lock and without starting a rollout after the signal: SIGINT then SIGTERM during the watch, through npx', async () => {
    const app = 'cancelnpx';
    const { sha } = await seedApp(sandbox, app);
    const run = await runThroughNpx(
      ['deploy', 'staging', '--sha', sha, ...FAST],
      appDir(app),
      sandbox.env,
      /step watch start/,
    );
    expectInterrupted(run);
    const { lock, requests } = await afterCancel(app, Date.now());
    expect(requests.filter((r) => r.operation === 'UpdateService')).toHaveLength(1);
    expect(lock).toBeUndefined();
    expect(run.stderr).toContain('UpdateService was issued');
  }, 60_000);

  it('stops the migration through npx too: no lock, no migration left running, no rollout', async () => {
    const app = 'cancelnpxmig';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setFaults({ migrationRunSeconds: 3600 });
    const run = await runThroughNpx(
      ['deploy', 'staging', '--sha', sha, ...FAST],
      appDir(app),
      sandbox.env,
      /step migrate start/,
    );
    expectInterrupted(run);
    const { lock, requests, migrations } = await afterCancel(app, Date.now());
    expect(requests.map((r) => r.operation)).not.toContain('UpdateService');
    for (const t of migrations) expect(t.lastStatus).toBe('STOPPED');
    expect(lock).toBeUndefined();
  }, 60_000);
});
