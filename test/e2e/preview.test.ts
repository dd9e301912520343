import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StacksRepo, stacksRepo } from '../support/stacks-repo.ts';
import { jsonLines, runFerry, runInProcess } from './helpers.ts';

const _ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATH = process.env.PATH ?? '';

/** A throwaway git repository holding a committed copy of stacks/, src/stacks and src/config: never /work/main itself. */
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

describe('ferry preview --offline', () => {
  it('reports no changes for a clean working tree', async () => {
    const run = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('preview staging (offline, working tree vs HEAD): +0 ~0 -0');
    expect(run.stdout).toContain('No resource changes.');
  });

  it('reports exactly the values changed in Pulumi.staging.yaml, as JSON events and in the job summary', async () => {
    const original = readFileSync(stackFile(), 'utf8');
    const edited = original
      .replace(/desiredCount: "1"/, 'desiredCount: "2"')
      .replace(/dbInstanceClass: db\.t4g\.micro/, 'dbInstanceClass: db.t4g.small');
    expect(edited).not.toBe(original);
    writeFileSync(stackFile(), edited);
    const summaryFile = join(repo, 'step-summary.md');
    try {
      const run = await ferry(['preview', 'staging', '--offline', '--base', 'HEAD', '--json'], {
        GITHUB_STEP_SUMMARY: summaryFile,
      });
      expect(run.code).toBe(0);
      const events = jsonLines(run.stdout);
      const changes = events.filter((e) => e.type === 'change');
      expect(changes.map((c) => [c.op, c.resourceType, c.properties])).toEqual(
        expect.arrayContaining([
          [
            'update',
            'aws:rds/instance:Instance',
            [{ path: 'instanceClass', kind: 'update', before: 'db.t4g.micro', after: 'db.t4g.small' }],
          ],
          [
            'update',
            'aws:ecs/service:Service',
            [{ path: 'desiredCount', kind: 'update', before: 1, after: 2 }],
          ],
        ]),
      );
      expect(changes).toHaveLength(2);
      const result = events.at(-1);
      expect(result).toMatchObject({
        type: 'result',
        outcome: 'ok',
        exitCode: 0,
        env: 'staging',
        mode: 'offline',
        summary: { create: 0, update: 2, replace: 0, delete: 0 },
        dangerous: 0,
      });
      for (const event of events) expect(typeof event.ts).toBe('string');
      // Human output moves to stderr under --json.
      expect(run.stderr).toContain('+0 ~2 -0');
      expect(run.stderr).toContain('desiredCount: 1 → 2');
      expect(run.stderr).toContain('instanceClass: "db.t4g.micro" → "db.t4g.small"');
      const summary = readFileSync(summaryFile, 'utf8');
      expect(summary).toContain('## ferry preview staging');
      expect(summary).toContain('desiredCount: 1 → 2');
    } finally {
      writeFileSync(stackFile(), original);
      rmSync(summaryFile, { force: true });
    }
  });

  it('rejects an environment without a stack file with exit 2', async () => {
    const run = await runInProcess(['preview', 'qa', '--offline'], { cwd: repo, env: { PATH } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown environment "qa": there is no stacks/Pulumi.qa.yaml');
  });

  it('rejects a --base that is not a commit with exit 2', async () => {
    const run = await runInProcess(['preview', 'staging', '--offline', '--base', 'no-such-branch'], {
      cwd: repo,
      env: { PATH },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--base: "no-such-branch" is not a commit');
  });
});

describe('ferry preview (online)', () => {
  it('without the Pulumi CLI, exits 2 with one line pointing at --offline', async () => {
    // A PATH with git and nothing else: certainly no pulumi.
    const bin = join(repo, 'only-git');
    mkdirSync(bin, { recursive: true });
    const gitPath = execFileSync('sh', ['-c', 'command -v git'], { env: { PATH }, encoding: 'utf8' }).trim();
    symlinkSync(gitPath, join(bin, 'git'));
    const run = await runInProcess(['preview', 'staging'], {
      cwd: repo,
      env: { PATH: [bin].join(delimiter), HOME: join(repo, 'no-home') },
    });
    expect(run.code).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^ferry: the online preview needs the Pulumi CLI/);
    expect(lines[0]).toContain('`ferry preview staging --offline` works without it');
    expect(run.stdout).toBe('');
  });
});
