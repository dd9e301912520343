/** Running the real bin/ferry against the sandbox, and reading what it did from the request log. */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoggedRequest } from '../../src/sandbox/index.ts';
import { runMain } from '../support/in-process.ts';
import type { TestSandbox } from '../support/sandbox.ts';

export const FERRY = fileURLToPath(new URL('../../bin/ferry', import.meta.url));

export interface FerryRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env: Record<string, string>;
  /** Called with each complete stderr line while ferry runs (to inject faults or signals at a step). */
  onLine?: (line: string, child: { kill: (signal: NodeJS.Signals) => void }) => void;
  timeoutMs?: number;
}

/** The repository the stacks' GitHub trust policies name (stacks/Pulumi.*.yaml). */
export const GITHUB_REPOSITORY = 'acme/shop';

/**
 * The OIDC subject of the GitHub job that would run these arguments: the deploy workflow runs
 * production (and promotions to it) in the `production` environment, everything else on pushes to main.
 */
export function jobSubject(args: string[]): string {
  return args.includes('production')
    ? `repo:${GITHUB_REPOSITORY}:environment:production`
    : `repo:${GITHUB_REPOSITORY}:ref:refs/heads/main`;
}

/** What GitHub Actions gives a job with `id-token: write`, pointed at the sandbox's token issuer. */
export function githubJobEnv(endpoint: string, subject: string): Record<string, string> {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: `${endpoint}/_sandbox/oidc/token?api-version=2.0&sub=${encodeURIComponent(subject)}`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'sandbox-request-token',
  };
}

/**
 * `env` as the GitHub job that would run `args` sees it: with the sandbox's endpoint in `env` and no
 * token variables of its own, the OIDC token env for that job's subject (jobSubject) is added, so
 * that ferry assumes the configured roles the way CI does and every call is checked against the
 * stacks' IAM policies. (Set `ACTIONS_ID_TOKEN_REQUEST_URL: ''` to run as a person instead.)
 */
export function asGithubJob(args: string[], env: Record<string, string>): Record<string, string> {
  const endpoint = env.AWS_ENDPOINT_URL;
  const token =
    endpoint && !('ACTIONS_ID_TOKEN_REQUEST_URL' in env) ? githubJobEnv(endpoint, jobSubject(args)) : {};
  return { ...token, ...env };
}

/** Runs bin/ferry, as the GitHub job that would run `args` (asGithubJob). */
export function runFerry(args: string[], options: RunOptions): Promise<FerryRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FERRY, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', HOME: options.cwd, ...asGithubJob(args, options.env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      stderr += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) options.onLine?.(line, { kill: (s) => child.kill(s) });
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * `ferry <args>` through main(io) in this process, with the env runFerry would give bin/ferry
 * (asGithubJob): for early failures and refusals, where starting Node per case costs more than
 * the case. Not for signals, timeouts or what the process itself does: use runFerry for those.
 */
export async function runInProcess(
  args: string[],
  options: Omit<RunOptions, 'onLine' | 'timeoutMs'>,
): Promise<FerryRun> {
  const run = await runMain(args, { cwd: options.cwd, env: asGithubJob(args, options.env) });
  return { code: run.code, signal: null, stdout: run.stdout, stderr: run.stderr };
}

/** The deploy role the stacks create for an environment (account as the sandbox seeds it). */
export function deployRoleArn(app: string, env: string): string {
  return `arn:aws:iam::${env === 'production' ? '222222222222' : '111111111111'}:role/${app}-${env}-deploy`;
}

/**
 * Each environment gets the stacks' deploy role (and the source's promote-source role when it
 * promotes), unless the test sets its own: e2e runs go through IAM as they would in GitHub Actions.
 */
function withRoles(app: string, environments: Record<string, Record<string, unknown>>) {
  return Object.fromEntries(
    Object.entries(environments).map(([env, c]) => {
      const source = typeof c.promoteFrom === 'string' ? c.promoteFrom : undefined;
      return [
        env,
        {
          roleArn: deployRoleArn(app, env),
          ...(source
            ? { promoteFromRoleArn: deployRoleArn(app, source).replace(/-deploy$/, '-promote-source') }
            : {}),
          ...c,
        },
      ];
    }),
  );
}

/** A temp directory holding ferry.config.json for `app` with fast health checks and the stacks' roles. */
export function appDir(app: string, overrides: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `ferry-e2e-${app}-`));
  const environments = (overrides.environments ?? { staging: {} }) as Record<string, Record<string, unknown>>;
  writeFileSync(
    join(dir, 'ferry.config.json'),
    JSON.stringify({
      app,
      region: 'eu-west-1',
      migrate: { command: ['npm', 'run', 'migrate'], timeout: '2m' },
      health: {
        path: '/health',
        expectStatus: 200,
        versionField: 'version',
        successes: 3,
        interval: '150ms',
        timeout: '20s',
      },
      ...overrides,
      environments: withRoles(app, environments),
    }),
  );
  return dir;
}

export const FAST = ['--poll-interval', '150ms', '--timeout', '40s'];

/** A fresh random 40-hex SHA per call, so that version-keyed faults and snapshot names never collide between tests. */
export function freshSha(): string {
  return randomBytes(20).toString('hex');
}

/** Seeds `app` (staging only) and pushes an image for a new SHA; returns that SHA and its digest. */
export async function seedApp(
  sandbox: TestSandbox,
  app: string,
  desiredCount = 2,
): Promise<{ sha: string; digest: string; initialSha: string; descriptor: Record<string, unknown> }> {
  const initialSha = freshSha();
  const seeded = await sandbox.control.seed({ app, environments: ['staging'], desiredCount, initialSha });
  const sha = freshSha();
  const { digest } = await sandbox.control.pushImage(`${app}-staging`, sha);
  return {
    sha,
    digest,
    initialSha,
    descriptor: { ...(seeded.descriptors.staging as unknown as Record<string, unknown>) },
  };
}

const MUTATING =
  /^(Put|Create|Delete|Register|Deregister|Run|Update|Stop|Start|Tag|Untag|Modify|Restore|Copy|BatchDelete|Initiate|Complete|Upload)/;

export function isMutating(r: LoggedRequest): boolean {
  return MUTATING.test(r.operation);
}

/** The requests about `app` (its names appear in the parameters), in order. */
export async function requestsFor(sandbox: TestSandbox, app: string): Promise<LoggedRequest[]> {
  const all = await sandbox.control.requests();
  return all.filter((r) => JSON.stringify(r.params ?? '').includes(app));
}

export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
