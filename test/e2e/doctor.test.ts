import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyStatement } from '../../src/sandbox/iam/store.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import {
  appDir,
  deployRoleArn,
  FAST,
  freshSha,
  isMutating,
  jsonLines,
  runFerry,
  runInProcess,
  seedApp,
} from './helpers.ts';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 60_000);
afterAll(async () => {
  await sandbox?.stop();
});

describe('ferry doctor', () => {
  it('passes on a healthy environment, one check a line, and makes no mutating call', async () => {
    const app = 'doc-ok';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.clearRequests();
    const run = await runFerry(['doctor', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.stderr).toBe('');
    expect(run.code, run.stdout).toBe(0);
    for (const check of [
      'credentials',
      'descriptor',
      // Answered by the sandbox's SimulatePrincipalPolicy, with the stacks' deploy policy.
      'permissions',
      'service',
      'alarms',
      'repository',
      'image',
      'database',
      'snapshot-quota',
      'health',
      'lock',
    ]) {
      expect(run.stdout).toMatch(new RegExp(`^✔ ${check}: `, 'm'));
    }
    expect(run.stdout).toContain('staging: all checks passed');
    const requests = await sandbox.control.requests();
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.filter(isMutating).map((r) => r.operation)).toEqual([]);
  }, 60_000);

  it('--json: each check an event, then the result line; exit 2 naming each failure', async () => {
    const app = 'doc-fail';
    await seedApp(sandbox, app);
    await sandbox.control.setAlarm(
      `${app}-staging-unhealthy-hosts`,
      'ALARM',
      'Threshold Crossed: 2 datapoints >= 1',
    );
    const missing = freshSha();
    const run = await runFerry(['doctor', 'staging', '--sha', missing, '--json', ...FAST], {
      cwd: appDir(app, { health: { path: '/health', expectStatus: 204 } }),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    const events = jsonLines(run.stdout);
    const checks = events.filter((e) => e.type === 'check');
    expect(checks.length).toBeGreaterThanOrEqual(10);
    for (const e of events) expect(typeof e.ts).toBe('string');
    const byName = Object.fromEntries(checks.map((c) => [c.check, c]));
    expect(byName.image).toMatchObject({ status: 'fail', env: 'staging' });
    expect(String(byName.image!.summary)).toContain(missing);
    expect(byName.alarms).toMatchObject({ status: 'fail' });
    expect(JSON.stringify(byName.alarms!.items)).toContain(`${app}-staging-unhealthy-hosts`);
    expect(byName.health).toMatchObject({ status: 'fail' });
    const result = events.at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'failed', exitCode: 2, env: 'staging' });
    expect(result.failures).toEqual(expect.arrayContaining(['image', 'alarms', 'health']));
    expect(run.stderr).toContain('3 check(s) failed: alarms, image, health');
  }, 60_000);

  it('reports a missing descriptor and a region mismatch as failures with a fix', async () => {
    // The stack's roles exist (the job can act as the deploy role) but its descriptor does not.
    await seedApp(sandbox, 'doc-none');
    const ssm = new SSMClient(sandbox.clientConfig);
    await ssm.send(new DeleteParameterCommand({ Name: '/ferry/doc-none/staging/descriptor' }));
    ssm.destroy();
    const noStack = await runFerry(['doctor', 'staging', ...FAST], {
      cwd: appDir('doc-none'),
      env: sandbox.env,
    });
    expect(noStack.code).toBe(2);
    expect(noStack.stdout).toMatch(
      /^✖ descriptor: no environment descriptor at SSM \/ferry\/doc-none\/staging\/descriptor/m,
    );
    expect(noStack.stdout).toContain('fix: run `pulumi up` for the staging stack');
    expect(noStack.stdout).toMatch(/^- service: not checked/m);

    // The stack's descriptor, in a file, read by a config in another region. (From SSM, the deploy
    // role, scoped to its own region, is refused the parameter in eu-central-1, as AWS would.)
    const app = 'doc-region';
    const { descriptor } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    writeFileSync(join(cwd, 'descriptor.json'), JSON.stringify(descriptor));
    const moved = await runFerry(
      ['doctor', 'staging', '--region', 'eu-central-1', '--descriptor', 'descriptor.json', ...FAST],
      { cwd, env: sandbox.env },
    );
    expect(moved.code).toBe(2);
    expect(moved.stdout).toMatch(/^✖ descriptor: .*region is eu-west-1.* eu-central-1/m);
    expect(moved.stdout).toMatch(/^ +fix: use the descriptor's region: set `region` in ferry.config.json/m);
    expect(moved.stdout).not.toMatch(/fix: run `pulumi up`/);
  }, 60_000);

  it('names the role that refused, with the OIDC subject its trust policy must allow, and checks nothing else', async () => {
    const app = 'doc-trust';
    await seedApp(sandbox, app);
    const roleArn = `arn:aws:iam::111111111111:role/${app}-production-deploy`;
    await sandbox.control.setFaults({ untrustedRoles: [roleArn] });
    const run = await runFerry(['doctor', 'production', ...FAST], {
      cwd: appDir(app, { environments: { staging: {}, production: { roleArn, promoteFrom: 'staging' } } }),
      env: { ...sandbox.env, GITHUB_REPOSITORY: 'acme/shop' },
    });
    await sandbox.control.clearFaults();
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(
      new RegExp(`^✖ credentials: cannot act as ${roleArn}: Could not assume role`, 'm'),
    );
    expect(run.stdout).toContain('presents the subject repo:acme/shop:environment:production');
    expect(run.stdout).toMatch(/^- descriptor: not checked: needs the credentials check to pass/m);
    expect(run.stdout).toContain('production: 1 check(s) failed: credentials');
  }, 60_000);

  it('in a GitHub job without an id token, fails the credentials check saying what the job needs', async () => {
    const roleArn = 'arn:aws:iam::111111111111:role/doc-oidc-staging-deploy';
    const run = await runFerry(['doctor', 'staging', ...FAST], {
      cwd: appDir('doc-oidc', { environments: { staging: { roleArn } } }),
      // A job without `permissions: id-token: write`: GitHub gives it no token variables.
      env: {
        ...sandbox.env,
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/shop',
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
      },
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toMatch(/^✖ credentials: cannot act as .*: Cannot assume .*no OIDC token/m);
    expect(run.stdout).toContain('permissions: { id-token: write, contents: read }');
    expect(run.stdout).toMatch(/^- lock: not checked/m);
  }, 60_000);

  it('names the action and resource the deploy role lacks (ecs:UpdateService), exit 2', async () => {
    const app = 'doc-perm';
    const { sha } = await seedApp(sandbox, app);
    const roleArn = deployRoleArn(app, 'staging');
    const role = (await sandbox.control.roles()).find((r) => r.arn === roleArn)!;
    const [policy] = role.inlinePolicies;
    const statements = [policy!.document.Statement].flat() as PolicyStatement[];
    const withoutUpdate = statements.map((s) => ({
      ...s,
      Action: [s.Action ?? []].flat().filter((a) => a !== 'ecs:UpdateService'),
    }));
    expect(withoutUpdate.flatMap((s) => s.Action)).not.toContain('ecs:UpdateService');
    await sandbox.control.putRolePolicy(roleArn, policy!.name, {
      ...policy!.document,
      Statement: withoutUpdate.filter((s) => s.Action.length > 0),
    });
    const run = await runFerry(['doctor', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stdout).toBe(2);
    expect(run.stdout).toMatch(new RegExp(`^✖ permissions: ${roleArn} lacks 1 of the permissions`, 'm'));
    expect(run.stdout).toContain(
      `ecs:UpdateService on arn:aws:ecs:eu-west-1:111111111111:service/${app}-staging/${app}-staging-web`,
    );
    expect(run.stdout).toContain('staging: 1 check(s) failed: permissions');
  }, 60_000);

  it('a bad --sha is refused before any AWS call', async () => {
    await sandbox.control.clearRequests();
    const run = await runInProcess(['doctor', 'staging', '--sha', 'HEAD'], {
      cwd: appDir('doc-bad'),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--sha: "HEAD" is not a git SHA');
    expect(await sandbox.control.requests()).toEqual([]);
  }, 30_000);
});

describe('a deployment alarm already in ALARM', () => {
  it('makes ferry deploy warn before UpdateService, and the release still goes out with the alarms attached', async () => {
    const app = 'alarm-warn';
    const { sha } = await seedApp(sandbox, app);
    await sandbox.control.setAlarm(
      `${app}-staging-unhealthy-hosts`,
      'ALARM',
      'Threshold Crossed: 2 datapoints >= 1',
    );
    const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    const warning = run.stderr
      .split('\n')
      .find((l) =>
        l.includes(
          `deployment alarm ${app}-staging-unhealthy-hosts of ${app}-staging-web is already in ALARM`,
        ),
      );
    expect(warning).toBeDefined();
    expect(warning).toContain('no alarm-based rollback');
    const requests = await sandbox.control.requests();
    const mine = requests.filter((r) => JSON.stringify(r.params).includes(app));
    const describeAlarms = mine.findIndex((r) => r.operation === 'DescribeAlarms');
    const update = mine.findIndex((r) => r.operation === 'UpdateService');
    expect(describeAlarms).toBeGreaterThanOrEqual(0);
    expect(describeAlarms).toBeLessThan(update);
  }, 60_000);
});
