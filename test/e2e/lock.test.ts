import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, type FerryRun, requestsFor, runFerry, runInProcess, seedApp } from './helpers.ts';

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

const ports = () => createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
const lockName = (app: string) => `/ferry/${app}/staging/lock`;

/** A lock left behind by a run that died an hour ago. */
async function seedExpiredLock(app: string): Promise<void> {
  const hourAgo = Date.now() - 3_600_000;
  await ports().parameters.put(
    lockName(app),
    JSON.stringify({
      owner: 'dead@runner',
      runId: 'dead-run',
      sha: 'a'.repeat(40),
      acquiredAt: new Date(hourAgo - 600_000).toISOString(),
      expiresAt: new Date(hourAgo).toISOString(),
    }),
  );
}

async function mutations(app: string, operation: string): Promise<number> {
  return (await requestsFor(sandbox, app)).filter((r) => r.operation === operation && r.status === 200)
    .length;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('the deploy lock (sandbox)', () => {
  it('lets exactly one run past an expired lock when one reader stalls after reading it', async () => {
    const app = 'race';
    const { sha } = await seedApp(sandbox, app);
    await seedExpiredLock(app);
    // The first read of the lock is answered 6 s late: run A sees the expired lock, then pauses.
    await sandbox.control.setFaults({
      calls: [{ kind: 'stall', operation: 'GetParameter', match: 'staging/lock"', ms: 6000 }],
    });
    await sandbox.control.clearRequests();
    const cwd = appDir(app);
    const a = runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    // A has tried to create the lock (and failed): its stalled read is under way.
    await until(async () =>
      (await sandbox.control.requests()).some(
        (r) => r.operation === 'PutParameter' && JSON.stringify(r.params).includes('staging/lock"'),
      ),
    );
    await new Promise((r) => setTimeout(r, 300));
    const b = runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    const runs = await Promise.all([a, b]);
    const codes = runs.map((r) => r.code).sort();
    expect(codes, runs.map((r) => r.stderr).join('\n----\n')).toEqual([0, 4]);
    expect(await mutations(app, 'UpdateService')).toBe(1);
    expect(await mutations(app, 'RunTask')).toBe(1);
    expect(await mutations(app, 'CreateDBSnapshot')).toBe(1);
    const loser = runs.find((r) => r.code === 4)!;
    expect(loser.stderr).toMatch(/locked|taken over/);
    expect(await ports().parameters.get(lockName(app))).toBeUndefined();
  }, 60_000);

  it('lets exactly one of three concurrent runs take over one expired lock', async () => {
    const app = 'trio';
    const { sha } = await seedApp(sandbox, app);
    await seedExpiredLock(app);
    await sandbox.control.clearRequests();
    const cwd = appDir(app);
    const runs: FerryRun[] = await Promise.all(
      [1, 2, 3].map(() => runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env })),
    );
    const codes = runs.map((r) => r.code).sort();
    expect(codes, runs.map((r) => r.stderr).join('\n----\n')).toEqual([0, 4, 4]);
    expect(await mutations(app, 'UpdateService')).toBe(1);
    expect(runs.find((r) => r.code === 0)!.stderr).toContain('took over an expired lock held by dead@runner');
    expect(await ports().parameters.get(lockName(app))).toBeUndefined();
  }, 60_000);

  it('renews its lock for as long as it runs, past the lock TTL', async () => {
    const app = 'renewal';
    const { sha } = await seedApp(sandbox, app);
    const samples: { at: number; runId: string; expiresAt: number }[] = [];
    let done = false;
    const sampler = (async () => {
      while (!done) {
        const lock = await ports().parameters.get(lockName(app));
        if (lock) {
          const v = JSON.parse(lock.value) as { runId: string; expiresAt: string };
          samples.push({ at: Date.now(), runId: v.runId, expiresAt: Date.parse(v.expiresAt) });
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // Slow AWS answers stretch the run well past the 2 s TTL.
    await sandbox.control.setFaults({
      latencyMs: 150,
      faultOperations: ['DescribeServices', 'DescribeTasks'],
    });
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: { ...sandbox.env, FERRY_LOCK_TTL: '2s' },
    });
    done = true;
    await sampler;
    expect(run.code, run.stderr).toBe(0);
    expect(new Set(samples.map((s) => s.runId)).size).toBe(1);
    const first = samples[0]!;
    expect(first.expiresAt - first.at).toBeLessThanOrEqual(2_500);
    // Sampled after the first expiry, and still held (never expired) by the same run.
    expect(samples.some((s) => s.at > first.expiresAt + 500)).toBe(true);
    for (const s of samples) expect(s.expiresAt).toBeGreaterThan(s.at - 200);
    expect(await ports().parameters.get(lockName(app))).toBeUndefined();
  }, 60_000);

  it('stops before the next change and exits 3 when it has lost its lock, leaving the new holder alone', async () => {
    const app = 'lostlock';
    const { sha } = await seedApp(sandbox, app);
    const thief = JSON.stringify({
      owner: 'other@runner',
      runId: 'other-run',
      sha: 'b'.repeat(40),
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    let stolen = false;
    await sandbox.control.clearRequests();
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
      onLine: (line) => {
        if (!stolen && /step snapshot done/.test(line)) {
          stolen = true;
          void ports().parameters.put(lockName(app), thief);
        }
      },
    });
    expect(stolen).toBe(true);
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/lost the lock/);
    expect(run.stderr).toContain('other@runner');
    expect(await mutations(app, 'RunTask')).toBe(0);
    expect(await mutations(app, 'UpdateService')).toBe(0);
    expect((await ports().parameters.get(lockName(app)))?.value).toBe(thief);
  }, 60_000);

  it('refuses to release a live lock without --force, and names the holder it breaks with it', async () => {
    const app = 'forcerelease';
    await seedApp(sandbox, app);
    const holder = {
      owner: 'bob@ci',
      runId: 'r-live',
      sha: 'c'.repeat(40),
      acquiredAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    await ports().parameters.put(lockName(app), JSON.stringify(holder));
    const cwd = appDir(app);
    const refused = await runInProcess(['lock', 'release', 'staging'], { cwd, env: sandbox.env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('bob@ci');
    expect(refused.stderr).toContain('--force');
    expect(await ports().parameters.get(lockName(app))).toBeDefined();
    const forced = await runFerry(['lock', 'release', 'staging', '--force'], { cwd, env: sandbox.env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('bob@ci');
    expect(await ports().parameters.get(lockName(app))).toBeUndefined();
  });
});
