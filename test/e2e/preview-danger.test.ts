import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StacksRepo, stacksRepo } from '../support/stacks-repo.ts';
import { jsonLines, runFerry } from './helpers.ts';

const _ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATH = process.env.PATH ?? '';

/** A throwaway git repository holding a committed copy of stacks/, src/stacks and src/config: never this checkout. */
let repo: string;
const stackFile = () => join(repo, 'stacks', 'Pulumi.staging.yaml');
let stacks: StacksRepo;
const _git = (...args: string[]) => stacks.git(...args);

beforeAll(() => {
  stacks = stacksRepo('ferry-preview-e2e-');
  repo = stacks.dir;
});
afterAll(() => {
  stacks?.remove();
});

const ferry = (args: string[], env: Record<string, string> = {}) =>
  runFerry(args, { cwd: repo, env: { PATH, NO_COLOR: '1', ...env }, timeoutMs: 55_000 });

describe('ferry preview --offline: dangers', () => {
  it('exits 2 when a change would replace or delete the database, and 0 with --allow-danger', async () => {
    const original = readFileSync(stackFile(), 'utf8');
    writeFileSync(stackFile(), original.replace('ferry-stacks:app: shop', 'ferry-stacks:app: shopx'));
    try {
      const run = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD', '--json']);
      expect(run.code, run.stderr).toBe(2);
      const result = jsonLines(run.stdout).at(-1)!;
      expect(result).toMatchObject({ type: 'result', exitCode: 2 });
      expect(result.dangerous).toBeGreaterThan(0);
      expect(run.stderr).toContain('--allow-danger');
      const accepted = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD', '--allow-danger']);
      expect(accepted.code, accepted.stderr).toBe(0);
    } finally {
      writeFileSync(stackFile(), original);
    }
  }, 120_000);

  it('reads structured config written by `pulumi config set --path`', async () => {
    const original = readFileSync(stackFile(), 'utf8');
    writeFileSync(stackFile(), `${original}  ferry-stacks:extraTags:\n    team: payments\n    tier: web\n`);
    try {
      const run = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD']);
      expect(run.stderr).not.toMatch(/flat|line \d+/);
      expect(run.code, run.stderr).toBe(0);
    } finally {
      writeFileSync(stackFile(), original);
    }
  }, 120_000);
});
