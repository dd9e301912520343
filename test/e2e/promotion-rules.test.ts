import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, freshSha, isMutating, runFerry, runInProcess, seedApp } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const environments = { staging: {}, production: { promoteFrom: 'staging' } };

async function seedBoth(app: string): Promise<string> {
  await sandbox.control.seed({
    app,
    environments: ['staging', 'production'],
    desiredCount: 1,
    initialSha: freshSha(),
  });
  return appDir(app, { environments });
}

async function deployStaging(app: string, cwd: string): Promise<string> {
  const sha = freshSha();
  await sandbox.control.pushImage(`${app}-staging`, sha);
  const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
  expect(run.code, run.stderr).toBe(0);
  return sha;
}

const mutatingCalls = async () => (await sandbox.control.requests()).filter(isMutating);

describe('production takes only what passed staging (sandbox)', () => {
  it('refuses `ferry deploy` to an environment with promoteFrom, pointing to `ferry promote` (exit 2, nothing changed)', async () => {
    const app = 'nodeployprod';
    const cwd = await seedBoth(app);
    const sha = freshSha();
    await sandbox.control.pushImage(`${app}-production`, sha);
    await sandbox.control.clearRequests();
    const run = await runInProcess(['deploy', 'production', '--sha', sha, ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ferry promote --from staging --to production');
    expect(run.stderr).toContain('--skip-promotion');
    expect(await mutatingCalls()).toEqual([]);
  });

  it('deploys with --skip-promotion, flags it in the output and the job summary, and records it in the ledger', async () => {
    const app = 'skipprom';
    const cwd = await seedBoth(app);
    const sha = freshSha();
    await sandbox.control.pushImage(`${app}-production`, sha);
    const summary = join(cwd, 'summary.md');
    writeFileSync(summary, '');
    const run = await runFerry(['deploy', 'production', '--sha', sha, '--skip-promotion', ...FAST], {
      cwd,
      env: { ...sandbox.env, GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/without promotion.*--skip-promotion/);
    expect(readFileSync(summary, 'utf8')).toContain('skip-promotion');
    const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
    const ledger = await ports.parameters.get(`/ferry/${app}/production/releases`);
    expect(JSON.parse(ledger!.value)).toMatchObject({ sha, outcome: 'deployed', skippedPromotion: true });
  });

  it('never promotes a SHA older (by staging ledger order) than what production runs, unless --allow-older (and --skip-source-check: staging runs the newer one)', async () => {
    const app = 'promoorder';
    const cwd = await seedBoth(app);
    const older = await deployStaging(app, cwd);
    const newer = await deployStaging(app, cwd);
    const promoted = await runFerry(['promote', '--from', 'staging', '--to', 'production', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(promoted.code, promoted.stderr).toBe(0);
    await sandbox.control.clearRequests();

    const stale = ['promote', '--from', 'staging', '--to', 'production', '--sha', older, ...FAST];
    const refused = await runInProcess(stale, { cwd, env: sandbox.env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('ferry rollback production');
    expect(refused.stderr).toContain(newer.slice(0, 7));
    expect(await mutatingCalls()).toEqual([]);

    // Staging runs the newer release now, so its live check refuses the older one as well.
    const unchecked = await runInProcess([...stale, '--allow-older'], { cwd, env: sandbox.env });
    expect(unchecked.code, unchecked.stderr).toBe(2);
    expect(unchecked.stderr).toContain(`runs ${newer.slice(0, 7)}`);
    const allowed = await runFerry([...stale, '--allow-older', '--skip-source-check'], {
      cwd,
      env: sandbox.env,
    });
    expect(allowed.code, allowed.stderr).toBe(0);
  }, 90_000);
});

describe('the descriptor is trusted only as far as it must be (sandbox)', () => {
  async function withDescriptor(app: string, change: (d: Record<string, unknown>) => void) {
    const { sha, descriptor } = await seedApp(sandbox, app);
    change(descriptor);
    const cwd = appDir(app);
    writeFileSync(join(cwd, 'descriptor.json'), JSON.stringify(descriptor));
    await sandbox.control.clearRequests();
    const run = await runInProcess(
      ['deploy', 'staging', '--sha', sha, '--descriptor', 'descriptor.json', ...FAST],
      {
        cwd,
        env: sandbox.env,
      },
    );
    return run;
  }

  it('refuses a repository.uri outside ECR of the descriptor account and region (exit 2, no registry touched)', async () => {
    const run = await withDescriptor('evilrepo', (d) => {
      d.repository = { ...(d.repository as object), uri: 'registry.evil.example/evilrepo-staging' };
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('repository.uri');
    expect(await mutatingCalls()).toEqual([]);
  });

  it("refuses a descriptor whose region is not the config's (exit 2)", async () => {
    const run = await withDescriptor('otherregion', (d) => {
      d.region = 'us-east-1';
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('region');
    expect(await mutatingCalls()).toEqual([]);
  });
});

describe('app and environment names', () => {
  it.each([
    ['an environment name with a double hyphen', ['deploy', 'stag--ing']],
    ['an environment name ending in a hyphen', ['deploy', 'staging-']],
    ['an app name with a double hyphen', ['deploy', 'staging', '--app', 'my--app']],
  ])('refuses %s before anything else (exit 2)', async (_, args) => {
    await sandbox.control.clearRequests();
    const cwd = appDir('names', { environments: { staging: {}, 'stag--ing': {}, 'staging-': {} } });
    const run = await runInProcess([...args, '--sha', freshSha()], { cwd, env: sandbox.env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/name/);
    expect(await sandbox.control.requests()).toEqual([]);
  });
});
