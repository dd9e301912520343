// `ferry init` then `ferry preview --offline` in a user's repository: the infra/ project is found,
// and its program (importing `ferry/stacks`) runs at the working tree and at the base ref.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFerryPackage } from '../support/ferry-package.ts';
import { runFerry } from './helpers.ts';

const PATH = process.env.PATH ?? '';

let scratch: string;
let repo: string;
const ferry = (args: string[]) =>
  runFerry(args, { cwd: repo, env: { PATH, NO_COLOR: '1' }, timeoutMs: 55_000 });
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=ferry-test', '-c', 'user.email=test@example.com', ...args], {
    cwd: repo,
    env: { PATH, HOME: repo },
    stdio: 'pipe',
  });

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'ferry-preview-init-'));
  repo = join(scratch, 'app');
  mkdirSync(repo);
  linkFerryPackage(repo, join(scratch, 'ferry-package'));
  writeFileSync(join(repo, '.gitignore'), 'node_modules\n');
  writeFileSync(join(repo, 'package.json'), '{ "name": "app", "private": true }\n');
  const init = await ferry([
    'init',
    ...['--app', 'cart', '--region', 'us-east-2', '--github-repo', 'acme/cart'],
    ...['--staging-account', '333333333333', '--production-account', '444444444444'],
    ...['--github-owner-id', '1234567', '--github-repository-id', '7654321'],
  ]);
  expect(init.code, init.stderr).toBe(0);
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'ferry init');
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('ferry preview --offline on the project ferry init wrote', () => {
  it('finds infra/ and reports no changes for a clean working tree', async () => {
    const run = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('No resource changes.');
  });

  it('reports a changed setting in infra/Pulumi.production.yaml', async () => {
    const file = join(repo, 'infra', 'Pulumi.production.yaml');
    writeFileSync(file, `${readFileSync(file, 'utf8')}  cart-infra:desiredCount: "3"\n`);
    const run = await ferry(['preview', 'production', '--offline', '--base', 'HEAD']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('desiredCount: 2 → 3');
  });

  it('names infra/ when the environment has no stack file', async () => {
    const run = await ferry(['preview', 'qa', '--offline']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no infra/Pulumi.qa.yaml');
  });
});
