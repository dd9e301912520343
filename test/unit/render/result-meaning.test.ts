import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { DIGEST, run, SHA } from './fixtures.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;

const dryRun: Result = {
  type: 'result',
  outcome: 'ok',
  exitCode: 0,
  env: 'staging',
  sha: SHA,
  digest: DIGEST,
  dryRun: true,
};
const failedBuild: Result = {
  type: 'result',
  outcome: 'failed',
  exitCode: 1,
  env: 'staging',
  sha: SHA,
  meaning: 'the build failed: no image was pushed and no environment was changed',
  reason: 'docker build exited with 1',
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-meaning-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the result of a dry run', () => {
  it.each(['tty', 'plain'] as const)('%s: says "dry run: nothing was changed", not "done"', async (mode) => {
    const { stderr } = await run(mode, [dryRun], { color: false });
    expect(stderr.text).toContain('dry run: nothing was changed (exit 0)');
    expect(stderr.text).not.toContain('done: the target runs');
  });

  it('json: keeps the contract (outcome ok, exit 0) and marks the run as a dry run', async () => {
    const { stdout } = await run('json', [dryRun]);
    const last = JSON.parse(stdout.lines.at(-1)!) as Record<string, unknown>;
    expect(last).toMatchObject({ type: 'result', outcome: 'ok', exitCode: 0, dryRun: true });
  });

  it('GitHub job summary: says dry run and nothing was changed', async () => {
    const path = join(dir, 'summary.md');
    await run('plain', [dryRun], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path } });
    const summary = await readFile(path, 'utf8');
    expect(summary).toContain('<b>dry run</b> · exit 0: dry run: nothing was changed');
    expect(summary).not.toContain('the target runs the requested version');
  });
});

describe('the result of a failed build', () => {
  it.each(['tty', 'plain'] as const)('%s: never says the environment was restored', async (mode) => {
    const { stderr } = await run(mode, [failedBuild], { color: false });
    expect(stderr.text).toContain('no image was pushed and no environment was changed');
    expect(stderr.text).not.toContain('restored');
  });

  it('GitHub job summary: never says the environment was restored', async () => {
    const path = join(dir, 'summary.md');
    await run('plain', [failedBuild], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path } });
    expect(await readFile(path, 'utf8')).not.toContain('restored');
  });
});

describe('the result of a manual rollback', () => {
  const rollback: Result = {
    type: 'result',
    outcome: 'deployed',
    exitCode: 0,
    env: 'staging',
    sha: `${SHA}${'0'.repeat(33)}`,
    kind: 'rollback',
  };

  it.each(['tty', 'plain'] as const)('%s: says rolled back to the SHA', async (mode) => {
    const { stderr } = await run(mode, [rollback], { color: false });
    expect(stderr.text).toContain(`rolled back to ${SHA} (exit 0`);
    expect(stderr.text).not.toMatch(/\bdeployed \(exit/);
  });

  it('GitHub job summary: says rolled back to the SHA', async () => {
    const path = join(dir, 'summary.md');
    await run('plain', [rollback], { env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: path } });
    expect(await readFile(path, 'utf8')).toContain(`<b>rolled back to ${SHA}</b>`);
  });

  it('a deploy stays a deploy', async () => {
    const { stderr } = await run('plain', [{ ...rollback, kind: 'deploy' }]);
    expect(stderr.text).toContain('result deployed (exit 0');
  });
});
