/**
 * `ferry sandbox` prints what to run next. These tests start it as a user
 * would and run its lines, as printed, in a shell in the same directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ferryCommand } from '../../src/cli/sandbox-hints.ts';
import { FERRY } from './helpers.ts';

let child: ChildProcess;
let stdout = '';
let stderr = '';
const cwd = mkdtempSync(join(tmpdir(), 'ferry-sandbox-hints-'));

beforeAll(async () => {
  child = spawn(process.execPath, [FERRY, 'sandbox', '--seed', 'hints', '--time-scale', '60'], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 30_000;
  while (!stderr.includes('Stop with Ctrl-C.')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no hints: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const closed = new Promise((r) => child.once('close', r));
    child.kill('SIGINT');
    await closed;
  }
});

/** The printed lines that are commands: indented, after "In another shell". */
function printedCommands(): { exports: string[]; commands: string[] } {
  const lines = stderr.split('\n').map((l) => l.replace(/\s+#.*$/, ''));
  const indented = lines.filter((l) => l.startsWith('  ')).map((l) => l.trim());
  return {
    exports: indented.filter((l) => l.startsWith('export ')),
    commands: indented.filter((l) => !l.startsWith('export ')),
  };
}

/** Runs one line in bash, in the sandbox's directory, after the printed exports; the user's PATH only. */
function shell(exports: string[], line: string) {
  const script = [...exports, line].join('\n');
  const result = spawnSync('bash', ['-c', script], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: cwd },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('ferry sandbox --seed, run from an app directory without a config', () => {
  it('prints the endpoint alone on stdout, for eval', () => {
    expect(stdout).toMatch(/^AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+\n$/);
  });

  it('prints status, push and deploy lines that work as printed, in order', () => {
    const { exports, commands } = printedCommands();
    expect(exports).toHaveLength(2);
    const [status, push, deploy] = commands;
    expect(status).toMatch(/ status --app hints --config \S+ferry\.config\.json$/);

    const statusRun = shell(exports, status!);
    expect(statusRun.code, statusRun.stderr).toBe(0);
    expect(statusRun.stdout).toContain('hints-staging-web');

    const pushed = shell(exports, push!);
    expect(pushed.code, pushed.stderr).toBe(0);
    const sha = pushed.stdout.trim();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);

    // A short SHA, as a person would copy it.
    const deployed = shell(exports, `${deploy!.replace('SHA', sha.slice(0, 7))} --poll-interval 200ms`);
    expect(deployed.code, deployed.stderr).toBe(0);
    expect(deployed.stderr).toContain(`staging runs ${sha}`);
  }, 150_000);
});

describe('ferryCommand', () => {
  const bin = '/src/ferry/bin/ferry';
  it.each([
    ['/src/ferry', '/usr/bin/node', 'npx ferry'],
    ['/home/me/app', '/usr/bin/node', '../../../src/ferry/bin/ferry'],
    ['/src/ferry/examples/app', '/usr/bin/node', '../../bin/ferry'],
    [
      '/src/ferry/examples/app',
      '/src/ferry/node_modules/node/bin/node',
      '../../node_modules/node/bin/node ../../bin/ferry',
    ],
  ])('from %s with node %s: %s', (from, node, expected) => {
    expect(ferryCommand(from, bin, node)).toBe(expected);
  });

  it('is `npx ferry` for an installed package', () => {
    expect(ferryCommand('/home/me/app', '/home/me/app/node_modules/ferry/bin/ferry', '/usr/bin/node')).toBe(
      'npx ferry',
    );
  });
});
