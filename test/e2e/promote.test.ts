import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import {
  appDir,
  FAST,
  freshSha,
  isMutating,
  jsonLines,
  requestsFor,
  runFerry,
  runInProcess,
} from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const environments = { staging: {}, production: { promoteFrom: 'staging' } };

/** Seeds staging and production for `app`, pushes a new image to staging and deploys it there. */
async function passedStaging(
  app: string,
  envs: Record<string, unknown> = environments,
): Promise<{ sha: string; digest: string; cwd: string }> {
  await sandbox.control.seed({
    app,
    environments: ['staging', 'production'],
    desiredCount: 2,
    initialSha: freshSha(),
  });
  const sha = freshSha();
  const { digest } = await sandbox.control.pushImage(`${app}-staging`, sha);
  const cwd = appDir(app, { environments: envs });
  const deployed = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
  expect(deployed.code, deployed.stderr).toBe(0);
  return { sha, digest, cwd };
}

async function productionDigest(app: string, sha: string): Promise<string | undefined> {
  const ecr = new ECRClient(sandbox.clientConfig);
  try {
    const out = await ecr.send(
      new DescribeImagesCommand({ repositoryName: `${app}-production`, imageIds: [{ imageTag: sha }] }),
    );
    return out.imageDetails?.[0]?.imageDigest;
  } catch {
    return undefined;
  } finally {
    ecr.destroy();
  }
}

describe('ferry promote (sandbox)', () => {
  it('releases in production the exact image that passed staging: copied by digest after the lock, never rebuilt', async () => {
    const app = 'promo';
    const reader = `arn:aws:iam::111111111111:role/${app}-staging-promote-source`;
    const deployer = `arn:aws:iam::222222222222:role/${app}-production-deploy`;
    const { sha, digest, cwd } = await passedStaging(app, {
      staging: { roleArn: `arn:aws:iam::111111111111:role/${app}-staging-deploy` },
      production: { promoteFrom: 'staging', roleArn: deployer, promoteFromRoleArn: reader },
    });
    await sandbox.control.clearRequests();

    const run = await runFerry(['promote', '--from', 'staging', '--to', 'production', '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({
      type: 'result',
      outcome: 'deployed',
      env: 'production',
      sha,
      digest,
    });
    expect(await productionDigest(app, sha)).toBe(digest);

    const ops = (await requestsFor(sandbox, `${app}-production`)).map((r) => r.operation);
    const lock = (await sandbox.control.requests()).findIndex(
      (r) =>
        r.operation === 'PutParameter' && JSON.stringify(r.params).includes(`/ferry/${app}/production/lock`),
    );
    const all = (await sandbox.control.requests()).map((r) => r.operation);
    const put = all.indexOf('PutImage');
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(put).toBeGreaterThan(lock);
    expect(all.indexOf('CreateDBSnapshot')).toBeGreaterThan(lock);
    expect(put).toBeLessThan(all.indexOf('RegisterTaskDefinition'));
    // The copy and the snapshot run at the same time, each reported with its own timing.
    const steps = jsonLines(run.stdout).filter((e) => e.type === 'step');
    const at = (step: string, status: string) =>
      steps.findIndex((e) => e.step === step && e.status === status);
    expect(at('copy-image', 'start')).toBeLessThan(at('snapshot', 'done'));
    expect(at('snapshot', 'start')).toBeLessThan(at('copy-image', 'done'));
    expect(ops).toContain('UpdateService');
    const register = (await requestsFor(sandbox, `${app}-production`)).find(
      (r) => r.operation === 'RegisterTaskDefinition',
    );
    expect(JSON.stringify(register?.params)).toContain(`/${app}-production@${digest}`);

    // The source is read with the read-only promotion role, the target written with production's deploy role.
    const log = await sandbox.control.requests();
    const ledgerRead = log.find(
      (r) =>
        r.operation === 'GetParameterHistory' && JSON.stringify(r.params).includes(`/ferry/${app}/staging/`),
    );
    expect(ledgerRead?.caller).toContain(`${app}-staging-promote-source`);
    expect(log.find((r) => r.operation === 'PutImage')?.caller).toContain(`${app}-production-deploy`);
    expect(log.filter((r) => isMutating(r) && r.caller.includes('promote-source'))).toEqual([]);
  });

  it('refuses a SHA that never passed staging, changing nothing (exit 2)', async () => {
    const app = 'promonever';
    const { cwd } = await passedStaging(app);
    const untested = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, untested);
    await sandbox.control.clearRequests();

    const run = await runFerry(
      ['promote', '--from', 'staging', '--to', 'production', '--sha', untested, ...FAST],
      {
        cwd,
        env: sandbox.env,
      },
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`--sha ${untested} never passed staging`);
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
    expect(await productionDigest(app, untested)).toBeUndefined();
  });

  it('refuses to promote from an environment other than promoteFrom', async () => {
    const cwd = appDir('promowrong', { environments: { ...environments, qa: {} } });
    const run = await runInProcess(['promote', '--from', 'qa', '--to', 'production'], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('production promotes from staging');
  });

  it('--dry-run prints the plan and copies nothing', async () => {
    const app = 'promodry';
    const { sha, cwd } = await passedStaging(app);
    await sandbox.control.clearRequests();
    const run = await runFerry(
      ['promote', '--from', 'staging', '--to', 'production', '--sha', sha.slice(0, 12), '--dry-run', ...FAST],
      { cwd, env: sandbox.env },
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`deploy ${sha} to production`);
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
    expect(await productionDigest(app, sha)).toBeUndefined();
  });
});

describe('ferry promote: the live source gate, failures and the no-op (sandbox)', () => {
  afterEach(async () => {
    await sandbox.control.clearFaults();
  });

  it('exits 2 and changes nothing when staging fails its health checks now, saying what it saw', async () => {
    const app = 'promosick';
    const { sha, cwd } = await passedStaging(app);
    await sandbox.control.setFaults({ unhealthy: [{ version: sha }] });
    await sandbox.control.clearRequests();

    const run = await runFerry(['promote', '--from', 'staging', '--to', 'production', '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(2);
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(result.reason)).toContain(`staging is not healthy on ${sha.slice(0, 7)} right now`);
    expect(String(result.reason)).toContain('HTTP 503');
    expect(run.stderr).toContain(`${app}-staging-web runs ${sha.slice(0, 7)}, rollout COMPLETED`);
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
    expect(await productionDigest(app, sha)).toBeUndefined();
  });

  it('exits 2 when staging no longer runs the SHA; --skip-source-check promotes anyway and the ledger says so', async () => {
    const app = 'promoskip';
    const { sha, digest, cwd } = await passedStaging(app);
    const newer = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, newer);
    const deployed = await runFerry(['deploy', 'staging', '--sha', newer, ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(deployed.code, deployed.stderr).toBe(0);

    const args = ['promote', '--from', 'staging', '--to', 'production', '--sha', sha, '--json', ...FAST];
    const refused = await runFerry(args, { cwd, env: sandbox.env });
    expect(refused.code, refused.stderr).toBe(2);
    expect(String(jsonLines(refused.stdout).at(-1)!.reason)).toContain(
      `${app}-staging-web runs ${newer.slice(0, 7)}`,
    );

    const forced = await runFerry([...args, '--skip-source-check'], { cwd, env: sandbox.env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await productionDigest(app, sha)).toBe(digest);
    const history = await runFerry(['history', 'production', '--json'], { cwd, env: sandbox.env });
    expect(JSON.stringify(jsonLines(history.stdout))).toContain(
      '"promotion":{"from":"staging","sourceCheck":"skipped"}',
    );
  });

  it('stops before the migration when the copy fails while the snapshot is taken, naming the snapshot (exit 1)', async () => {
    const app = 'promobroken';
    const { cwd } = await passedStaging(app);
    await sandbox.control.setFaults({ errorRate: 1, faultOperations: ['PutImage'] });
    await sandbox.control.clearRequests();

    const run = await runFerry(['promote', '--from', 'staging', '--to', 'production', '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(1);
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.snapshotId).toMatch(/^ferry-production-[0-9a-f]{7}-\d{14}$/);
    expect((result.next as string[]).join('\n')).toContain(String(result.snapshotId));
    const ops = (await requestsFor(sandbox, `${app}-production`)).map((r) => r.operation);
    expect(ops).toContain('CreateDBSnapshot');
    expect(ops).not.toContain('RunTask');
    expect(ops).not.toContain('UpdateService');
  });

  it('is a no-op that says so when production already runs what staging runs: exit 0, nothing copied or deployed', async () => {
    const app = 'promotwice';
    const { sha, cwd } = await passedStaging(app);
    const args = ['promote', '--from', 'staging', '--to', 'production', '--json', ...FAST];
    const first = await runFerry(args, { cwd, env: sandbox.env });
    expect(first.code, first.stderr).toBe(0);
    await sandbox.control.clearRequests();

    const again = await runFerry(args, { cwd, env: sandbox.env });
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ type: 'result', outcome: 'ok', exitCode: 0, sha });
    expect(again.stderr).toContain(`production already runs ${sha.slice(0, 7)}`);
    expect(again.stderr).toContain('nothing to promote');
    expect((await sandbox.control.requests()).filter(isMutating)).toEqual([]);
  });
});
