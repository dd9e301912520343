import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGit, GitUnavailable } from '../../../src/migrations/git.ts';

const env = { PATH: process.env.PATH ?? '', HOME: tmpdir(), GIT_CONFIG_NOSYSTEM: '1' };
let root: string;
let first: string;
let second: string;

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
  }).trim();
}

function write(path: string, text: string) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ferry-git-'));
  git('init', '-q');
  write('app/db/migrations/001.sql', 'CREATE TABLE orders (id int);');
  write('other/x.sql', 'x');
  git('add', '-A');
  git('commit', '-qm', 'one');
  first = git('rev-parse', 'HEAD');
  write('app/db/migrations/002.sql', 'ALTER TABLE orders DROP COLUMN note;');
  write('other/y.sql', 'y');
  git('add', '-A');
  git('commit', '-qm', 'two');
  second = git('rev-parse', 'HEAD');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createGit (a real repository, config in a subdirectory)', () => {
  it('answers with paths relative to the config directory, limited to it', async () => {
    const g = createGit(join(root, 'app'), env);
    expect(await g.commit(second.slice(0, 7))).toBe(second);
    expect(await g.commit('0123456789abcdef')).toBeUndefined();
    expect(await g.isShallow()).toBe(false);
    expect(await g.changedFiles(first, second)).toEqual(['db/migrations/002.sql']);
    expect(await g.listFiles(second)).toEqual(['db/migrations/001.sql', 'db/migrations/002.sql']);
    expect(await g.readFile(second, 'db/migrations/002.sql')).toBe('ALTER TABLE orders DROP COLUMN note;');
  });

  it('fails with GitUnavailable outside a repository', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'ferry-nogit-'));
    try {
      await expect(createGit(outside, env).commit(second)).rejects.toBeInstanceOf(GitUnavailable);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('fails with GitUnavailable when git is not on PATH', async () => {
    await expect(createGit(root, { PATH: '/nonexistent' }).commit(second)).rejects.toThrow(/not installed/);
  });
});
