import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatCommanderError } from '../../../src/cli/usage-errors.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const ferry = `${root}bin/ferry`;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [ferry, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const GLOBALS = [
  '--config',
  '--app',
  '--region',
  '--role-arn',
  '--json',
  '--dry-run',
  '--timeout',
  '--verbose',
];

describe("each command's --help", () => {
  it.each(['build', 'deploy', 'promote', 'rollback', 'status', 'history', 'lock'])(
    '`ferry %s --help` lists the global options it accepts',
    (command) => {
      const { code, stdout } = run([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('Global Options:');
      const globals = stdout.slice(stdout.indexOf('Global Options:'));
      for (const flag of GLOBALS) expect(globals).toContain(flag);
    },
  );
});

describe('mistyped flags and commands', () => {
  it('names a mistyped flag with the likely one and points at that command’s help', () => {
    const { code, stderr, stdout } = run(['deploy', 'staging', '--sah', 'abc1234']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      'ferry: unknown option --sah; did you mean --sha?',
      '  run `ferry deploy --help` for usage',
      '',
    ]);
  });

  it('suggests a global option mistyped after a command', () => {
    const { code, stderr } = run(['status', '--dryrun']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^ferry: unknown option --dryrun; did you mean --dry-run\?\n {2}run `ferry status --help`/,
    );
  });

  it('starts every parse error with `ferry:` and never says `error:`', () => {
    for (const args of [
      ['deploy', 'staging'],
      ['launch'],
      ['history'],
      ['rollback', 'staging', '--too', 'x'],
    ]) {
      const { code, stderr } = run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(/^ferry: /);
      expect(stderr, args.join(' ')).not.toMatch(/^error:/m);
      expect(stderr, args.join(' ')).toMatch(/run `ferry( \w+)? --help` for usage/);
    }
  });

  it('an unknown command points at the top-level help and suggests the near one', () => {
    const { stderr } = run(['deplyo']);
    expect(stderr).toContain('ferry: unknown command deplyo; did you mean deploy?');
    expect(stderr).toContain('run `ferry --help` for usage');
  });

  it('with --json, a parse error still ends with a result line (exit 2)', () => {
    const { code, stdout } = run(['deploy', 'staging', '--json']);
    expect(code).toBe(2);
    const result = JSON.parse(stdout.trim()) as Record<string, unknown>;
    expect(result).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(String(result.reason)).toContain("required option '--sha <sha>' not specified");
  });
});

describe('formatCommanderError', () => {
  it.each([
    [
      "error: unknown option '--sah'\n(Did you mean --sha?)\n",
      'ferry: unknown option --sah; did you mean --sha?\n',
    ],
    [
      "error: unknown command 'stauts'\n(Did you mean status?)\n",
      'ferry: unknown command stauts; did you mean status?\n',
    ],
    ["error: missing required argument 'env'\n", "ferry: missing required argument 'env'\n"],
  ])('%j', (input, expected) => {
    expect(formatCommanderError(input)).toBe(expected);
  });
});
