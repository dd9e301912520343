import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../support/in-process.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ferry = `${root}bin/ferry`;
/** No ferry.config.json here: none of these runs may get as far as reading one. */
const cwd = mkdtempSync(join(tmpdir(), 'ferry-cli-shell-'));

/** The real process, for what only a process shows: what it loads, and its exit status. */
function spawnFerry(args: string[], preload?: string) {
  const nodeArgs = preload ? ['--import', preload, ferry, ...args] : [ferry, ...args];
  const result = spawnSync(process.execPath, nodeArgs, {
    cwd,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: cwd, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ferry CLI shell', () => {
  it('lists every command of the contract in --help and exits 0', async () => {
    const { code, stdout } = await runMain(['--help'], { cwd });
    expect(code).toBe(0);
    for (const command of ['deploy', 'rollback', 'status', 'history', 'lock', 'sandbox']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    for (const flag of [
      '--config',
      '--app',
      '--region',
      '--role-arn',
      '--json',
      '--dry-run',
      '--poll-interval',
      '--timeout',
      '--verbose',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  it('prints the package version', async () => {
    const { code, stdout } = await runMain(['--version'], { cwd });
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('loads neither the AWS SDK nor Pulumi for --help', () => {
    const preload = `${root}test/support/record-loads.ts`;
    for (const args of [['--help'], ['deploy', '--help']]) {
      const { code, stderr } = spawnFerry(args, preload);
      expect(code).toBe(0);
      const marker = stderr.split('__LOADED__')[1];
      expect(marker, 'the preload hook reported what was loaded').toBeDefined();
      const loaded = JSON.parse(marker!.trim()) as string[];
      expect(loaded.some((url) => url.includes('/commander/'))).toBe(true);
      expect(loaded.filter((url) => /@aws-sdk|@smithy|@pulumi/.test(url))).toEqual([]);
    }
  });

  it('exits 2 on an unknown command or a missing required option', async () => {
    expect((await runMain(['launch'], { cwd })).code).toBe(2);
    const missing = await runMain(['deploy', 'staging'], { cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--sha <sha>' not specified");
  });

  // The --help runs above exit 0 as processes; this one shows a non-zero return reaching the exit status.
  it('bin/ferry exits with the code main returns, and writes the same streams', () => {
    const usage = spawnFerry(['deploy', 'staging', '--sha', 'nothex!', '--json']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/reason\s+--sha: "nothex!" is not a git SHA/);
    expect(JSON.parse(usage.stdout.trim())).toMatchObject({ type: 'result', exitCode: 2 });
  });
});

describe('--json before any AWS call', () => {
  it('prints exactly one result line on stdout for bad input, with the reason and exit code 2', async () => {
    const run = await runMain(['deploy', 'staging', '--sha', 'abc; rm -rf /', '--json'], { cwd });
    expect(run.code).toBe(2);
    const lines = run.jsonLines();
    expect(lines).toHaveLength(1);
    const result = lines[0]!;
    expect(result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(result.reason)).toContain('is not a git SHA');
    expect(Number.isNaN(Date.parse(String(result.ts)))).toBe(false);
    expect(run.stderr).toMatch(/reason\s+--sha: "abc; rm -rf \/" is not a git SHA/);
  });
});
