/**
 * Every ferry flow under the stacks' IAM policies, once; then what the roles are granted is held
 * against what ferry used (an over-grant shows as plainly as a gap), and every statement is shown
 * to be needed: without it, a recorded request of the flows is refused naming the statement's action.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/sandbox/iam/evaluate.ts';
import type { PolicyStatement, Role } from '../../src/sandbox/iam/store.ts';
import type { LoggedRequest } from '../../src/sandbox/index.ts';
import { accountFor } from '../../src/sandbox/seed.ts';
import { stackWorld } from '../../src/sandbox/stack-world/cache.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, freshSha, runFerry } from './helpers.ts';

const APP = 'iamflows';
const REGION = 'eu-west-1';

/**
 * Granted actions that no flow here can show: `ferry build` pushes through the registry's own
 * protocol (which ECR authorizes as these actions, but the sandbox's registry does not see).
 */
const UNOBSERVED: Record<string, string[]> = {
  [`${APP}-staging-deploy`]: [
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
  ],
  // Snapshot retention (after enough releases) and a migration timeout: the staging run shows both.
  [`${APP}-production-deploy`]: ['rds:DeleteDBSnapshot', 'ecs:StopTask'],
  [`${APP}-staging-promote-source`]: [],
};

let sandbox: TestSandbox;
let log: LoggedRequest[];
let roles: Role[];
const codes: Record<string, number | null> = {};

async function ferry(
  label: string,
  args: string[],
  setup?: (sha: string) => Promise<void>,
  onLine?: (line: string, sha: string) => void,
  dir = cwd,
) {
  const sha = freshSha();
  await sandbox.control.pushImage(`${APP}-staging`, sha);
  await setup?.(sha);
  const withSha = args.map((a) => (a === '<sha>' ? sha : a));
  const run = await runFerry([...withSha, ...FAST], {
    cwd: dir,
    env: sandbox.env,
    timeoutMs: 60_000,
    ...(onLine ? { onLine: (line: string) => onLine(line, sha) } : {}),
  });
  codes[label] = run.code;
  await sandbox.control.clearFaults();
  return run;
}

const exec = promisify(execFile);

/** `ferry build --builder buildah` of a one-file image, with buildah's storage in a temp dir. */
async function build(environments: Record<string, unknown>): Promise<number | null> {
  const storage = await mkdtemp(join(tmpdir(), 'ferry-e2e-iam-build-'));
  const conf = join(storage, 'storage.conf');
  await writeFile(
    conf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${storage}/root"\nrunroot = "${storage}/run"\n`,
  );
  const repo = appDir(APP, { environments, build: { context: '.', dockerfile: 'Containerfile' } });
  await writeFile(join(repo, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
  await writeFile(join(repo, 'hello.txt'), 'hello from the IAM flows\n');
  const git = (...args: string[]) =>
    exec('git', ['-C', repo, '-c', 'user.name=ferry test', '-c', 'user.email=test@example.invalid', ...args]);
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-q', '-m', 'app');
  const env = {
    ...sandbox.env,
    HOME: storage,
    TMPDIR: storage,
    CONTAINERS_STORAGE_CONF: conf,
    BUILDAH_ISOLATION: 'chroot',
  };
  try {
    const run = await runFerry(['build', '--builder', 'buildah'], { cwd: repo, env, timeoutMs: 120_000 });
    return run.code;
  } finally {
    await exec('buildah', ['rm', '--all'], { env: { ...process.env, ...env } }).catch(() => undefined);
    await rm(storage, { recursive: true, force: true });
    await rm(repo, { recursive: true, force: true });
  }
}

let cwd: string;
let slowMigrationDir: string;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  await sandbox.control.seed({ app: APP, environments: ['staging', 'production'], initialSha: freshSha() });
  const environments = { staging: {}, production: { promoteFrom: 'staging' } };
  cwd = appDir(APP, { environments });
  slowMigrationDir = appDir(APP, {
    environments,
    migrate: { command: ['npm', 'run', 'migrate'], timeout: '2s' },
  });
  codes.build = await build(environments);
  await ferry('deploy', ['deploy', 'staging', '--sha', '<sha>']);
  await ferry('failed migration', ['deploy', 'staging', '--sha', '<sha>'], async () => {
    await sandbox.control.setFaults({ migrationExitCode: 1 });
  });
  await ferry(
    'migration timeout',
    ['deploy', 'staging', '--sha', '<sha>'],
    async () => {
      await sandbox.control.setFaults({ migrationRunSeconds: 3600 });
    },
    undefined,
    slowMigrationDir,
  );
  await ferry('rollout failure', ['deploy', 'staging', '--sha', '<sha>'], async (sha) => {
    await sandbox.control.setFaults({ failToStart: [sha] });
  });
  await ferry('health failure', ['deploy', 'staging', '--sha', '<sha>'], undefined, (line, sha) => {
    if (/step verify start/.test(line)) void sandbox.control.setFaults({ unhealthy: [{ version: sha }] });
  });
  await ferry('deploy again', ['deploy', 'staging', '--sha', '<sha>']);
  await ferry('rollback', ['rollback', 'staging']);
  await ferry('deploy for promotion', ['deploy', 'staging', '--sha', '<sha>']);
  await ferry('promote', ['promote', '--from', 'staging', '--to', 'production']);
  await ferry('status', ['status', 'staging']);
  await ferry('history', ['history', 'production']);
  await ferry('lock status', ['lock', 'status', 'staging']);
  const ssm = new SSMClient(sandbox.clientConfig);
  await ssm.send(
    new PutParameterCommand({
      Name: `/ferry/${APP}/staging/lock`,
      Type: 'String',
      Value: JSON.stringify({
        owner: 'gone',
        runId: 'r',
        sha: 'abcdef1',
        acquiredAt: '2026-01-01T00:00:00Z',
        expiresAt: '2026-01-01T00:10:00Z',
      }),
    }),
  );
  ssm.destroy();
  await ferry('lock release', ['lock', 'release', 'staging']);
  // The preflight reads what no release reads (repository settings, the snapshot quota) and asks
  // IAM about the role itself (SimulatePrincipalPolicy, answered by the sandbox's evaluator).
  await ferry('doctor staging', ['doctor', 'staging', '--sha', '<sha>']);
  await ferry('doctor production', ['doctor', 'production']);
  log = await sandbox.control.requests();
  roles = [
    ...(await stackWorld(APP, { environment: 'staging', account: accountFor('staging'), region: REGION }))
      .roles,
    ...(
      await stackWorld(APP, { environment: 'production', account: accountFor('production'), region: REGION })
    ).roles,
  ];
}, 600_000);
afterAll(async () => {
  await sandbox?.stop();
});

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const roleNamed = (name: string) => roles.find((r) => r.name === name)!;
const statementsOf = (role: Role) =>
  role.inlinePolicies.flatMap((p) => list(p.document.Statement as PolicyStatement | PolicyStatement[]));
const checkedBy = (role: Role) =>
  log.filter((r) => r.caller === role.arn).flatMap((r) => r.authorizations ?? []);

describe('ferry under the stacks’ IAM policies (sandbox)', () => {
  it('runs every flow with the exit code it would have on AWS, refused nothing', () => {
    expect(codes).toEqual({
      build: 0,
      deploy: 0,
      'failed migration': 1,
      'migration timeout': 1,
      'rollout failure': 1,
      'health failure': 1,
      'deploy again': 0,
      rollback: 0,
      'deploy for promotion': 0,
      promote: 0,
      status: 0,
      history: 0,
      'lock status': 0,
      'lock release': 0,
      'doctor staging': 0,
      'doctor production': 0,
    });
    const refused = log.flatMap((r) => (r.authorizations ?? []).filter((a) => a.decision !== 'Allowed'));
    expect(refused).toEqual([]);
    // Everything ferry did went through a role: nothing ran on the sandbox's unrestricted keys.
    const unchecked = log.filter((r) => r.service !== 'sts' && !r.caller.startsWith('arn:aws:iam::'));
    expect(unchecked.filter((r) => r.caller !== 'test').map((r) => r.operation)).toEqual([]);
  });

  it.each(Object.keys(UNOBSERVED))('grants %s exactly the actions ferry used', (name) => {
    const role = roleNamed(name);
    const granted = new Set(statementsOf(role).flatMap((s) => list(s.Action)));
    const used = new Set(checkedBy(role).map((a) => a.action));
    const unobserved = UNOBSERVED[name]!;
    expect({
      overGranted: [...granted].filter((a) => !used.has(a) && !unobserved.includes(a)).sort(),
      missing: [...used].filter((a) => !granted.has(a)).sort(),
    }).toEqual({ overGranted: [], missing: [] });
  });

  it.each(Object.keys(UNOBSERVED))(
    'needs every statement of %s: without one, a flow is refused',
    async (name) => {
      const role = roleNamed(name);
      const seen = new Map(checkedBy(role).map((a) => [JSON.stringify(a), a]));
      const callerArn = `arn:aws:sts::${role.arn.split(':')[4]}:assumed-role/${role.name}/ferry`;
      const unneeded: string[] = [];
      for (const policy of role.inlinePolicies) {
        const statements = list(policy.document.Statement as PolicyStatement | PolicyStatement[]);
        for (const removed of statements) {
          const actions = list(removed.Action);
          if (actions.every((a) => UNOBSERVED[name]!.includes(a))) continue;
          const without = { ...policy.document, Statement: statements.filter((s) => s !== removed) };
          let refusedItsAction = false;
          for (const auth of seen.values()) {
            if (!actions.includes(auth.action)) continue;
            const decision = await decide(
              [{ name: policy.name, policy: without }],
              callerArn,
              role.arn.split(':')[4]!,
              auth,
            );
            if (decision !== 'Allowed') {
              refusedItsAction = true;
              break;
            }
          }
          if (!refusedItsAction) unneeded.push(removed.Sid ?? JSON.stringify(removed));
        }
      }
      expect(unneeded).toEqual([]);
    },
  );
});

describe('ferry on a laptop (sts:AssumeRole with the caller’s own keys)', () => {
  const laptop = () => ({
    ...sandbox.env,
    AWS_SECRET_ACCESS_KEY: 'laptop-secret-key',
    USER: 'alice',
    ACTIONS_ID_TOKEN_REQUEST_URL: '',
  });

  it('says which stack setting to change when the deploy role refuses the caller', async () => {
    const run = await runFerry(['lock', 'status', 'staging'], { cwd, env: laptop() });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(
      `Could not assume role arn:aws:iam::111111111111:role/${APP}-staging-deploy`,
    );
    expect(run.stderr).toContain(
      'add `arn:aws:iam::111111111111:user/test` to `ferry-stacks:operatorPrincipals` (comma-separated) in stacks/Pulumi.staging.yaml',
    );
  });

  it('assumes the deploy role as a listed operator, naming the person as source identity', async () => {
    const app = 'opsapp';
    await sandbox.control.seed({
      app,
      environments: ['staging'],
      operatorPrincipals: ['arn:aws:iam::111111111111:user/test'],
    });
    const run = await runFerry(['lock', 'status', 'staging'], { cwd: appDir(app), env: laptop() });
    expect(run.code, run.stderr).toBe(0);
    const assumed = (await sandbox.control.requests()).filter(
      (r) => r.operation === 'AssumeRole' && JSON.stringify(r.params).includes(`${app}-staging-deploy`),
    );
    expect(assumed.at(-1)).toMatchObject({ status: 200, params: { SourceIdentity: 'alice' } });
  });
});
