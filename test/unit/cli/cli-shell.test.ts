import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ferry = `${root}bin/ferry`;

function run(args: string[], preload?: string) {
  const nodeArgs = preload ? ['--import', preload, ferry, ...args] : [ferry, ...args];
  const result = spawnSync(process.execPath, nodeArgs, {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ferry CLI shell', () => {
  it('lists every command of the contract in --help and exits 0', () => {
    const { code, stdout } = run(['--help']);
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

  it('prints the package version', () => {
    const { code, stdout } = run(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('loads neither the AWS SDK nor Pulumi for --help', () => {
    const preload = `${root}test/support/record-loads.ts`;
    for (const args of [['--help'], ['deploy', '--help']]) {
      const { code, stderr } = run(args, preload);
      expect(code).toBe(0);
      const marker = stderr.split('__LOADED__')[1];
      expect(marker, 'the preload hook reported what was loaded').toBeDefined();
      const loaded = JSON.parse(marker!.trim()) as string[];
      expect(loaded.some((url) => url.includes('/commander/'))).toBe(true);
      expect(loaded.filter((url) => /@aws-sdk|@smithy|@pulumi/.test(url))).toEqual([]);
    }
  });

  it('exits 2 on an unknown command or a missing required option', () => {
    expect(run(['launch']).code).toBe(2);
    const missing = run(['deploy', 'staging']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--sha <sha>' not specified");
  });
});

describe('--json before any AWS call', () => {
  it('prints exactly one result line on stdout for bad input, with the reason and exit code 2', () => {
    const { code, stdout, stderr } = run(['deploy', 'staging', '--sha', 'abc; rm -rf /', '--json']);
    expect(code).toBe(2);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const result = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(result.reason)).toContain('is not a git SHA');
    expect(Number.isNaN(Date.parse(String(result.ts)))).toBe(false);
    expect(stderr).toMatch(/reason\s+--sha: "abc; rm -rf \/" is not a git SHA/);
  });
});
