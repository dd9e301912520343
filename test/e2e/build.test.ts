/**
 * The real `bin/ferry build --builder buildah` against the sandbox's ECR and registry.
 * Buildah's storage lives in a temp dir through its own CONTAINERS_STORAGE_CONF,
 * which ferry passes on to the builder with the rest of its environment.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, isMutating, jsonLines, requestsFor, runFerry, runInProcess } from './helpers.ts';

const exec = promisify(execFile);
const APP = 'bakery';

let sandbox: TestSandbox;
let storage: string;
let repo: string;
let env: Record<string, string>;
let head: string;
/** Not a git repository; its config names a Dockerfile that does not exist and a production fed by promotion. */
let other: string;

const git = (...args: string[]) =>
  exec('git', ['-C', repo, '-c', 'user.name=ferry test', '-c', 'user.email=test@example.invalid', ...args]);

beforeAll(async () => {
  sandbox = await startTestSandbox();
  await sandbox.control.seed({ app: APP, environments: ['staging'] });
  storage = await mkdtemp(join(tmpdir(), 'ferry-e2e-build-storage-'));
  await writeFile(
    join(storage, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${join(storage, 'root')}"\nrunroot = "${join(storage, 'runroot')}"\n`,
  );
  repo = appDir(APP, { build: { context: '.', dockerfile: 'Containerfile', platform: 'linux/amd64' } });
  await writeFile(join(repo, 'Containerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n');
  await writeFile(join(repo, 'hello.txt'), 'hello from ferry build\n');
  await git('init', '-q');
  await git('add', '.');
  await git('commit', '-q', '-m', 'app');
  head = (await git('rev-parse', 'HEAD')).stdout.trim();
  other = appDir(APP, {
    build: { dockerfile: 'Missing.Dockerfile' },
    environments: { staging: {}, production: { promoteFrom: 'staging' } },
  });
  env = {
    ...sandbox.env,
    HOME: storage,
    TMPDIR: storage,
    CONTAINERS_STORAGE_CONF: join(storage, 'storage.conf'),
    BUILDAH_ISOLATION: 'chroot',
  };
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
  if (storage) {
    await exec('buildah', ['rm', '--all'], { env: { ...process.env, ...env } }).catch(() => undefined);
    await rm(storage, { recursive: true, force: true });
  }
  for (const dir of [repo, other]) if (dir) await rm(dir, { recursive: true, force: true });
});

async function describeTag(tag: string) {
  const ecr = new ECRClient(sandbox.clientConfig);
  const out = await ecr.send(
    new DescribeImagesCommand({ repositoryName: `${APP}-staging`, imageIds: [{ imageTag: tag }] }),
  );
  return out.imageDetails?.[0];
}

describe('ferry build with buildah', () => {
  it('builds the clean HEAD, pushes it tagged with the SHA, and prints the digest ECR holds', async () => {
    const run = await runFerry(['build', '--builder', 'buildah', '--json'], {
      cwd: repo,
      env,
      timeoutMs: 120_000,
    });
    expect(run.stderr).not.toMatch(/unexpected error/);
    expect(run.code, run.stderr).toBe(0);
    const events = jsonLines(run.stdout);
    const result = events.at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'ok', exitCode: 0, env: 'staging', sha: head });
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await describeTag(head))?.imageDigest).toBe(result.digest);
    const steps = events.filter((e) => e.type === 'step' && e.status === 'done').map((e) => e.step);
    expect(steps).toEqual(['resolve', 'build', 'push']);
    // The builder's own output arrives as log events.
    expect(events.some((e) => e.type === 'log' && String(e.message).startsWith('buildah: '))).toBe(true);
    expect(run.stderr).not.toContain('::add-mask::');
  }, 150_000);

  it('skips the build when the SHA is already in the repository, reporting its digest', async () => {
    const existing = (await describeTag(head))!.imageDigest;
    await sandbox.control.clearRequests();
    const run = await runFerry(['build', '--builder', 'buildah', '--json'], {
      cwd: repo,
      env,
      timeoutMs: 60_000,
    });
    expect(run.code).toBe(0);
    const events = jsonLines(run.stdout);
    expect(events.at(-1)).toMatchObject({ outcome: 'ok', sha: head, digest: existing });
    expect(events.filter((e) => e.type === 'step' && e.status === 'skipped').map((e) => e.step)).toEqual([
      'build',
      'push',
    ]);
    const calls = await requestsFor(sandbox, APP);
    expect(calls.filter(isMutating)).toEqual([]);
    expect((await sandbox.control.requests()).some((r) => r.operation === 'GetAuthorizationToken')).toBe(
      false,
    );
  }, 90_000);

  it('in GitHub Actions, masks the registry password and prints it nowhere else', async () => {
    await writeFile(join(repo, 'hello.txt'), 'second version\n');
    await git('commit', '-q', '-am', 'second');
    const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
    const run = await runFerry(['build', '--builder', 'buildah', '--json'], {
      cwd: repo,
      env: { ...env, GITHUB_ACTIONS: 'true' },
      timeoutMs: 120_000,
    });
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ outcome: 'ok', sha });
    const secrets = [...run.stderr.matchAll(/^::add-mask::(.+)$/gm)].map((m) => m[1]!);
    expect(secrets.length).toBeGreaterThanOrEqual(1);
    const rest = run.stderr.replace(/^::add-mask::.*$/gm, '');
    for (const secret of secrets) {
      expect(run.stdout).not.toContain(secret);
      expect(rest).not.toContain(secret);
    }
  }, 150_000);

  it.each([
    ['an invalid --sha', 'repo', ['--sha', 'HEAD~1'], /--sha/],
    ['an unknown platform', 'repo', ['--platform', 'amd64'], /--platform/],
    ['an environment fed by promotion', 'other', ['--env', 'production'], /receives its images from staging/],
    ['a missing Dockerfile', 'other', [], /build.dockerfile: .* is not a file/],
  ])('refuses %s with exit 2 before any AWS call', async (_name, where, args, says) => {
    await sandbox.control.clearRequests();
    const run = await runInProcess(['build', ...args], { cwd: where === 'repo' ? repo : other, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(says);
    expect(await sandbox.control.requests()).toEqual([]);
  });

  it('refuses a dirty working tree (exit 2), naming the changed file, and changes nothing', async () => {
    await writeFile(join(repo, 'hello.txt'), 'edited but not committed\n');
    try {
      await sandbox.control.clearRequests();
      const run = await runInProcess(['build', '--builder', 'buildah'], { cwd: repo, env });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/uncommitted changes/);
      expect(run.stderr).toContain('hello.txt');
      expect(await sandbox.control.requests()).toEqual([]);
    } finally {
      await git('checkout', '--', 'hello.txt');
    }
  }, 60_000);
});
