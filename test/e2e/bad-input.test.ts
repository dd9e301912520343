import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMain } from '../support/in-process.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, asGithubJob, FAST, isMutating, jsonLines, runInProcess, seedApp } from './helpers.ts';

let sandbox: TestSandbox;
let sha: string;
let descriptor: Record<string, unknown>;
let other: Record<string, unknown>;
const APP = 'strict';

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  ({ sha, descriptor } = await seedApp(sandbox, APP));
  ({ descriptor: other } = await seedApp(sandbox, 'strict-other'));
});
afterAll(async () => {
  await sandbox?.stop();
});

interface Case {
  name: string;
  args: (sha: string) => string[];
  /** Files to write into the app's directory before the run. */
  files?: Record<string, string | ((own: Record<string, unknown>) => string)>;
  config?: Record<string, unknown>;
  /** Part of the one-line error. */
  says: RegExp;
}

const cases: Case[] = [
  {
    name: 'a SHA that is not hex',
    args: () => ['deploy', 'staging', '--sha', 'nothex!'],
    says: /--sha: .* is not a git SHA/,
  },
  { name: 'an uppercase SHA', args: (s) => ['deploy', 'staging', '--sha', s.toUpperCase()], says: /--sha/ },
  { name: 'a SHA of 6 characters', args: () => ['deploy', 'staging', '--sha', 'abcdef'], says: /--sha/ },
  { name: 'a SHA of 41 characters', args: (s) => ['deploy', 'staging', '--sha', `${s}a`], says: /--sha/ },
  {
    name: 'a SHA with shell metacharacters',
    args: (s) => ['deploy', 'staging', '--sha', `${s.slice(0, 7)}; rm -rf /`],
    says: /--sha/,
  },
  {
    name: 'a SHA with command substitution',
    args: () => ['deploy', 'staging', '--sha', '$(touch /tmp/pwned)'],
    says: /--sha/,
  },
  { name: 'an empty SHA', args: () => ['deploy', 'staging', '--sha', ''], says: /--sha/ },
  {
    name: 'an environment not in the config',
    args: (s) => ['deploy', 'production', '--sha', s],
    says: /environment "production" is not in/,
  },
  {
    name: 'an environment name with metacharacters',
    args: (s) => ['deploy', 'staging;ls', '--sha', s],
    says: /is not an environment name/,
  },
  {
    name: 'a missing config file',
    args: (s) => ['deploy', 'staging', '--sha', s, '--config', 'nope.json'],
    says: /nope\.json does not exist/,
  },
  {
    name: 'a config that is not JSON',
    args: (s) => ['deploy', 'staging', '--sha', s],
    files: { 'ferry.config.json': '{"app": "strict",' },
    says: /is not valid JSON/,
  },
  {
    name: 'a config failing its schema',
    args: (s) => ['deploy', 'staging', '--sha', s],
    config: { health: { successes: 0 } },
    says: /health\.successes/,
  },
  {
    name: 'a missing descriptor file',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'missing.json'],
    says: /missing\.json does not exist/,
  },
  {
    name: 'a descriptor that is not JSON',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'd.json'],
    files: { 'd.json': 'nope' },
    says: /is not valid JSON/,
  },
  {
    name: 'a descriptor failing its schema',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'd.json'],
    files: { 'd.json': (d) => JSON.stringify({ ...d, services: [] }) },
    says: /services: list at least one service/,
  },
  {
    name: 'a descriptor of another app',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'd.json'],
    files: { 'd.json': () => JSON.stringify(other) },
    says: /describes strict-other\/staging, not strict\/staging/,
  },
  {
    name: 'a descriptor naming a service that does not exist',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'd.json'],
    files: {
      'd.json': (d) =>
        JSON.stringify({
          ...d,
          services: [{ name: 'ghost-web', container: 'web', baseUrl: 'http://127.0.0.1:9/' }],
        }),
    },
    says: /ghost-web/,
  },
  {
    name: 'a descriptor naming a container the task definition does not have',
    args: (s) => ['deploy', 'staging', '--sha', s, '--descriptor', 'd.json'],
    files: {
      'd.json': (d) => {
        const [first, ...rest] = d.services as { container: string }[];
        return JSON.stringify({ ...d, services: [{ ...first, container: 'api' }, ...rest] });
      },
    },
    says: /has no container named "api" \(it has: [^)]+\); check the descriptor's services\[\]\.container/,
  },
  {
    name: 'an image that was never pushed',
    args: () => ['deploy', 'staging', '--sha', 'e'.repeat(40)],
    says: /no image tagged e{40}/,
  },
  {
    name: 'an environment without a descriptor',
    args: (s) => ['deploy', 'qa', '--sha', s],
    // No stack made qa, so it has no deploy role either: the static keys reach the missing descriptor.
    config: { environments: { staging: {}, qa: { roleArn: undefined } } },
    says: /no environment descriptor at SSM \/ferry\/strict\/qa\/descriptor/,
  },
  {
    name: 'a malformed --poll-interval',
    args: (s) => ['deploy', 'staging', '--sha', s, '--poll-interval', 'fast'],
    says: /--poll-interval: "fast" is not a duration/,
  },
  {
    name: 'a malformed --timeout',
    args: (s) => ['deploy', 'staging', '--sha', s, '--timeout', '-5s'],
    says: /--timeout/,
  },
  {
    name: 'a malformed --role-arn',
    args: (s) => ['deploy', 'staging', '--sha', s, '--role-arn', 'admin'],
    says: /--role-arn: "admin" is not an IAM role ARN/,
  },
  {
    name: 'rollback --to a SHA that is not hex',
    args: () => ['rollback', 'staging', '--to', 'zzzzzzz'],
    says: /--to/,
  },
  {
    name: 'rollback with no earlier release',
    args: () => ['rollback', 'staging'],
    says: /no earlier successful release/,
  },
  { name: 'history --limit 0', args: () => ['history', 'staging', '--limit', '0'], says: /--limit/ },
  {
    name: 'an unknown lock action',
    args: () => ['lock', 'steal', 'staging'],
    says: /"steal" is not an action/,
  },
];

describe('bad input exits 2 with no mutating AWS call', () => {
  it('has at least 15 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      const cwd = appDir(APP, c.config ?? {});
      for (const [file, content] of Object.entries(c.files ?? {})) {
        writeFileSync(join(cwd, file), typeof content === 'function' ? content(descriptor) : content);
      }
      await sandbox.control.clearRequests();
      const args = c.args(sha);
      const timing = args.some((a) => a === '--poll-interval' || a === '--timeout') ? [] : FAST;
      const run = await runInProcess([...args, ...timing], { cwd, env: sandbox.env });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(c.says);
      expect(run.stderr).not.toMatch(/unexpected error|at .*\.ts:\d+/);
      const mutating = (await sandbox.control.requests()).filter(isMutating);
      expect(mutating).toEqual([]);
    });

    it(`with --json, ends ${c.name} with an aborted result line (exit 2)`, async () => {
      const cwd = appDir(APP, c.config ?? {});
      for (const [file, content] of Object.entries(c.files ?? {})) {
        writeFileSync(join(cwd, file), typeof content === 'function' ? content(descriptor) : content);
      }
      const args = c.args(sha);
      const timing = args.some((a) => a === '--poll-interval' || a === '--timeout') ? [] : FAST;
      const run = await runInProcess([...args, ...timing, '--json'], { cwd, env: sandbox.env });
      expect(run.code, run.stderr).toBe(2);
      const last = jsonLines(run.stdout).at(-1);
      expect(last, run.stdout).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
      expect(String(last?.reason)).toMatch(c.says);
    });
  }
});

describe('bad input in a GitHub job', () => {
  it('a refusal once the descriptor is read puts the aborted outcome in the job summary', async () => {
    // --json: without it, ferry masks the job's token through @actions/core, on this process's stdout.
    const args = ['deploy', 'staging', '--sha', 'e'.repeat(40), '--json', ...FAST];
    const run = await runMain(args, {
      cwd: appDir(APP),
      env: { ...asGithubJob(args, sandbox.env), GITHUB_ACTIONS: 'true' },
      jobSummary: true,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.summary).toContain('<b>aborted</b> · exit 2');
    expect(run.summary).toMatch(/no image tagged e{40}/);
    expect(run.jsonLines().at(-1)).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
  });
});
