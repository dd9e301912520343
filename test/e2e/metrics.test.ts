// `ferry metrics` from the real bin/ferry over ledgers seeded in the sandbox's SSM, with known answers.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, freshSha, jsonLines, runFerry, runInProcess } from './helpers.ts';

const H = 3_600_000;
const D = 24 * H;

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
});
afterAll(async () => {
  await sandbox?.stop();
});

/** A ledger record that finished `daysAgo` days ago, its commit `leadHours` before that. */
function record(outcome: string, daysAgo: number, leadHours?: number): string {
  const finished = Date.now() - daysAgo * D;
  return JSON.stringify({
    sha: 'abcdef0',
    digest: 'sha256:0',
    taskDefinitionArn: null,
    previousTaskDefinitionArn: null,
    snapshotId: null,
    outcome,
    actor: 'ci',
    startedAt: new Date(finished - 600_000).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    steps: [],
    ...(leadHours !== undefined ? { committedAt: new Date(finished - leadHours * H).toISOString() } : {}),
  });
}

/** The stacks' world for `app` (its roles are what ferry runs as), then the records in `env`'s ledger. */
async function seedLedger(
  app: string,
  env: string,
  records: string[],
  world: { environments: string[]; operatorPrincipals?: string[] } = { environments: [env] },
): Promise<void> {
  await sandbox.control.seed({ app, desiredCount: 1, ...world });
  const params = createAwsPorts({ region: 'eu-west-1', env: sandbox.env }).parameters;
  for (const value of records) await params.put(`/ferry/${app}/${env}/releases`, value);
}

const config = { environments: { staging: {}, production: { promoteFrom: 'staging' } } };

describe('ferry metrics (sandbox ledger)', () => {
  it('computes the four keys for a seeded ledger: table, sparkline, and how much history there is', async () => {
    const app = 'metered';
    await seedLedger(app, 'staging', [
      record('deployed', 40, 1), // outside --since 30d
      record('deployed', 20, 2),
      record('rolled_back', 19.5),
      record('failed', 19.4),
      record('deployed', 19.375, 1), // restores 0.125 d = 3h after the rollback
      record('deployed', 10),
      record('rolled_back', 5),
      record('deployed', 5 - 1 / 24, 4), // restores 1h later
      record('aborted', 2),
    ]);
    const cwd = appDir(app, config);
    const json = await runFerry(['metrics', 'staging', '--since', '30d', '--json'], {
      cwd,
      env: sandbox.env,
    });
    expect(json.code, json.stderr).toBe(0);
    const [metrics, ...rest] = jsonLines(json.stdout).filter((l) => l.type === 'metrics');
    expect(rest).toEqual([]);
    expect(metrics).toMatchObject({
      env: 'staging',
      days: 30,
      releases: 8,
      deployed: 4,
      failed: 1,
      rolledBack: 2,
      aborted: 1,
      leadTimeMs: 2 * H,
      leadTimeSamples: 3,
      changeFailureRate: 3 / 8,
      incidents: 2,
      unrestored: 0,
      history: { oldestVersion: 1, truncated: false, windowCut: false },
    });
    expect(metrics!.timeToRestoreMs as number).toBeCloseTo(2 * H, -3);
    expect((metrics!.perDay as number[]).reduce((a, b) => a + b)).toBe(8);
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({ type: 'result', outcome: 'ok', exitCode: 0 });

    const text = await runFerry(['metrics', 'staging'], { cwd, env: sandbox.env });
    expect(text.code, text.stderr).toBe(0);
    const table = text.stdout.split('\n').find((l) => l.startsWith('staging '));
    expect(table?.split(/\s{2,}/)).toEqual(['staging', '8', '0.13', '0.93', '2h00m', '38% (3/8)', '2h00m']);
    expect(text.stdout).toMatch(/staging\s+│[ ▁▂▃▄▅▆▇█]{30}│ releases per day/);
    expect(text.stdout).toContain(
      'staging: 8 releases in the window; the ledger is complete back to its first release',
    );
  });

  it('says when SSM’s 100-version limit has cut the ledger inside the window', async () => {
    const app = 'meteredfull';
    const records = Array.from({ length: 105 }, (_, i) => record('deployed', 20 - i * 0.1, 1));
    await seedLedger(app, 'staging', records);
    const run = await runFerry(['metrics', 'staging', '--since', '30d'], {
      cwd: appDir(app, config),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /staging: 100 releases in the window; the ledger's history ends at \d{4}-\d\d-\d\d \(version 6\): SSM keeps the last 100 versions, after the window's start/,
    );
  });

  it('covers every environment of the config when none is named; an empty ledger reads as empty', async () => {
    const app = 'meteredboth';
    // No GitHub job may act as both environments' deploy roles (each trusts its own job's subject):
    // a person listed in the stacks' operatorPrincipals reads every environment from a laptop.
    await seedLedger(app, 'staging', [record('deployed', 1, 1)], {
      environments: ['staging', 'production'],
      operatorPrincipals: ['arn:aws:iam::111111111111:user/test'],
    });
    const run = await runFerry(['metrics', '--json'], {
      cwd: appDir(app, config),
      env: { ...sandbox.env, ACTIONS_ID_TOKEN_REQUEST_URL: '' },
    });
    expect(run.code, run.stderr).toBe(0);
    const envs = jsonLines(run.stdout).filter((l) => l.type === 'metrics');
    expect(envs.map((m) => [m.env, m.releases])).toEqual([
      ['staging', 1],
      ['production', 0],
    ]);
    expect(run.stderr).toContain('production: 0 releases in the window; the ledger is empty');
  });

  it('a deploy records the commit time from git, and metrics measures lead time from it', async () => {
    const app = 'meteredgit';
    const cwd = appDir(app);
    const git = (...args: string[]) =>
      execFileSync('git', ['-C', cwd, ...args], {
        encoding: 'utf8',
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@example.com',
          GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z',
        },
      }).trim();
    git('init', '-q');
    git('add', '-A');
    git('commit', '-qm', 'app');
    const sha = git('rev-parse', 'HEAD');
    await sandbox.control.seed({ app, environments: ['staging'], desiredCount: 1, initialSha: freshSha() });
    await sandbox.control.pushImage(`${app}-staging`, sha);
    const deploy = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    expect(deploy.code, deploy.stderr).toBe(0);

    const history = await runFerry(['history', 'staging', '--json'], { cwd, env: sandbox.env });
    const [release] = jsonLines(history.stdout).filter((l) => l.type === 'release');
    expect(release).toMatchObject({ sha, committedAt: '2026-01-02T03:04:05.000Z' });
    const metrics = await runFerry(['metrics', 'staging', '--json', '--since', '2026-01-01'], {
      cwd,
      env: sandbox.env,
    });
    const [report] = jsonLines(metrics.stdout).filter((l) => l.type === 'metrics');
    expect(report).toMatchObject({ deployed: 1, leadTimeSamples: 1 });
    expect(report!.leadTimeMs).toBe(
      Date.parse(String(release!.finishedAt)) - Date.parse('2026-01-02T03:04:05Z'),
    );
  });

  it('rejects a --since it cannot read (exit 2), naming the flag', async () => {
    const run = await runInProcess(['metrics', '--since', '30x'], {
      cwd: appDir('metered', config),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--since: "30x" is not a window');
  });
});
