import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatCommanderError } from '../../../src/cli/usage-errors.ts';
import { runMain } from '../../support/in-process.ts';

const cwd = mkdtempSync(join(tmpdir(), 'ferry-typos-'));
const run = (args: string[]) => runMain(args, { cwd });

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
    async (command) => {
      const { code, stdout } = await run([command, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain('Global Options:');
      const globals = stdout.slice(stdout.indexOf('Global Options:'));
      for (const flag of GLOBALS) expect(globals).toContain(flag);
    },
  );
});

describe('mistyped flags and commands', () => {
  it('names a mistyped flag with the likely one and points at that command’s help', async () => {
    const { code, stderr, stdout } = await run(['deploy', 'staging', '--sah', 'abc1234']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toEqual([
      'ferry: unknown option --sah; did you mean --sha?',
      '  run `ferry deploy --help` for usage',
      '',
    ]);
  });

  it('suggests a global option mistyped after a command', async () => {
    const { code, stderr } = await run(['status', '--dryrun']);
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^ferry: unknown option --dryrun; did you mean --dry-run\?\n {2}run `ferry status --help`/,
    );
  });

  it('starts every parse error with `ferry:` and never says `error:`', async () => {
    for (const args of [
      ['deploy', 'staging'],
      ['launch'],
      ['history'],
      ['rollback', 'staging', '--too', 'x'],
    ]) {
      const { code, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr, args.join(' ')).toMatch(/^ferry: /);
      expect(stderr, args.join(' ')).not.toMatch(/^error:/m);
      expect(stderr, args.join(' ')).toMatch(/run `ferry( \w+)? --help` for usage/);
    }
  });

  it('an unknown command points at the top-level help and suggests the near one', async () => {
    const { stderr } = await run(['deplyo']);
    expect(stderr).toContain('ferry: unknown command deplyo; did you mean deploy?');
    expect(stderr).toContain('run `ferry --help` for usage');
  });

  it('with --json, a parse error still ends with a result line (exit 2)', async () => {
    const { code, stdout } = await run(['deploy', 'staging', '--json']);
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
