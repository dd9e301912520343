import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveSha } from '../../../src/build/git-sha.ts';
import { nodeProcessRunner } from '../../../src/build/process.ts';
import { FerryError } from '../../../src/errors.ts';
import { FakeRunner } from './fake-runner.ts';

const exec = promisify(execFile);
const runner = nodeProcessRunner();
const env = { PATH: process.env.PATH ?? '', HOME: tmpdir() };
let dir: string;

const git = (...args: string[]) =>
  exec('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args]);

async function committedRepo(): Promise<string> {
  await git('init', '-q');
  await writeFile(join(dir, 'app.txt'), 'v1\n');
  await git('add', '.');
  await git('commit', '-q', '-m', 'first');
  return (await git('rev-parse', 'HEAD')).stdout.trim();
}

async function failure(promise: Promise<unknown>): Promise<FerryError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-sha-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolving the SHA to tag', () => {
  it('takes HEAD of a clean working tree', async () => {
    const head = await committedRepo();
    expect(await resolveSha({ dir, runner, env })).toEqual({ sha: head, source: 'git' });
  });

  it('refuses a tree with a modified file (exit 2) and names the file', async () => {
    await committedRepo();
    await writeFile(join(dir, 'app.txt'), 'v2\n');
    const err = await failure(resolveSha({ dir, runner, env }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/uncommitted changes/);
    expect(err.message).toContain('app.txt');
    expect(err.hints.join(' ')).toContain('--sha');
  });

  it('counts an untracked file as dirty: it would be in the build context', async () => {
    await committedRepo();
    await writeFile(join(dir, 'new-file.txt'), 'x');
    const err = await failure(resolveSha({ dir, runner, env }));
    expect(err.message).toContain('new-file.txt');
  });

  it('does not count files that .gitignore excludes', async () => {
    await committedRepo();
    await writeFile(join(dir, '.gitignore'), 'dist/\n');
    await git('add', '.gitignore');
    await git('commit', '-q', '-m', 'ignore');
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'bundle.js'), 'x');
    expect((await resolveSha({ dir, runner, env })).source).toBe('git');
  });

  it('names the first ten dirty paths and how many more there are', async () => {
    await committedRepo();
    for (let i = 0; i < 13; i += 1) await writeFile(join(dir, `f${String(i).padStart(2, '0')}.txt`), 'x');
    const err = await failure(resolveSha({ dir, runner, env }));
    expect(err.message).toContain('and 3 more');
  });

  it('takes a full --sha as given, without asking git, even when the tree is dirty', async () => {
    const fake = new FakeRunner(['git']);
    const sha = 'abcdef1234567'.padEnd(40, '0');
    expect(await resolveSha({ dir, runner: fake, env, sha })).toEqual({ sha, source: 'flag' });
    expect(fake.calls).toEqual([]);
  });

  it('expands a short --sha with git, so the image is tagged with the full SHA', async () => {
    const head = await committedRepo();
    expect(await resolveSha({ dir, runner, env, sha: head.slice(0, 7) })).toEqual({
      sha: head,
      source: 'flag',
    });
  });

  it('refuses a short --sha git cannot expand, asking for the full SHA (never tags a short one)', async () => {
    await committedRepo();
    const err = await failure(resolveSha({ dir, runner, env, sha: 'abcdef1' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toBe(
      '--sha abcdef1: give the full 40-character SHA; images are tagged with it so that deploy and promote find them',
    );
  });

  it('rejects a --sha that is not 7-40 lowercase hex (exit 2)', async () => {
    const err = await failure(resolveSha({ dir, runner: new FakeRunner(), env, sha: 'HEAD' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain('--sha');
  });

  it('explains a directory that is not a git repository, pointing at --sha', async () => {
    const err = await failure(resolveSha({ dir, runner, env }));
    expect(err.exitCode).toBe(2);
    expect(err.hints.join(' ')).toContain('--sha');
  });

  it('says so when git itself is missing', async () => {
    const fake = new FakeRunner([], () => ({ code: 127, stderr: 'spawn git ENOENT' }));
    const err = await failure(resolveSha({ dir, runner: fake, env }));
    expect(err.message).toMatch(/git is not installed/);
  });
});
