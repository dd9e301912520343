/**
 * Every early failure of a release, from a bad flag to a refusal before the
 * lock, ends in the one result: the last --json line is the result object,
 * the terminal prints the result block, and the GitHub job summary has the
 * outcome. One table, run in-process through main(io) against the sandbox.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/index.ts';
import { runMain } from '../support/in-process.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, asGithubJob, FAST, freshSha } from './helpers.ts';

const APP = 'early';
const LOCKED = 'early-locked';
let sandbox: TestSandbox;
let sha: string;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  for (const app of [APP, LOCKED]) {
    await sandbox.control.seed({ app, environments: ['staging', 'production'], initialSha: freshSha() });
  }
  sha = freshSha();
  await sandbox.control.pushImage(`${APP}-staging`, sha);
  await sandbox.control.pushImage(`${LOCKED}-staging`, sha);
  const ports = createAwsPorts({ region: 'eu-west-1', env: sandbox.env });
  const holder = { owner: 'bob@ci', runId: 'r-1', sha: 'd'.repeat(40), acquiredAt: new Date().toISOString() };
  await ports.parameters.putIfAbsent(
    `/ferry/${LOCKED}/staging/lock`,
    JSON.stringify({ ...holder, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
  );
});
afterAll(async () => {
  await sandbox?.stop();
});

const PROMOTING = { environments: { staging: {}, production: { promoteFrom: 'staging' } } };

interface Case {
  name: string;
  args: () => string[];
  app?: string;
  config?: Record<string, unknown>;
  exitCode: number;
  reason: RegExp;
}

const cases: Case[] = [
  {
    name: 'deploy: a bad --sha',
    args: () => ['deploy', 'staging', '--sha', 'nothex!'],
    exitCode: 2,
    reason: /--sha: .* is not a git SHA/,
  },
  {
    name: 'deploy: a bad environment name',
    args: () => ['deploy', 'Staging', '--sha', sha],
    exitCode: 2,
    reason: /environment: "Staging" is not an environment name/,
  },
  {
    name: 'deploy: an environment not in the config',
    args: () => ['deploy', 'qa', '--sha', sha],
    exitCode: 2,
    reason: /environment "qa" is not in/,
  },
  {
    name: 'deploy: a config field that is wrong',
    args: () => ['deploy', 'staging', '--sha', sha],
    config: { health: { interval: 'soon' } },
    exitCode: 2,
    reason: /health.interval/,
  },
  {
    name: 'deploy: straight into an environment fed by promotion',
    args: () => ['deploy', 'production', '--sha', sha],
    config: PROMOTING,
    exitCode: 2,
    reason: /production takes images only through promotion from staging/,
  },
  {
    name: 'deploy: an image that was never pushed',
    args: () => ['deploy', 'staging', '--sha', 'e'.repeat(40)],
    exitCode: 2,
    reason: /no image tagged e{40}/,
  },
  {
    name: 'deploy: an environment without a descriptor',
    args: () => ['deploy', 'qa', '--sha', sha],
    config: { environments: { staging: {}, qa: { roleArn: undefined } } },
    exitCode: 2,
    reason: /no environment descriptor at SSM \/ferry\/early\/qa\/descriptor/,
  },
  {
    name: 'deploy: migrations that cannot be checked with migrate.dangerous "fail"',
    args: () => ['deploy', 'staging', '--sha', sha],
    config: { migrate: { command: ['npm', 'run', 'migrate'], paths: ['db/*.sql'], dangerous: 'fail' } },
    exitCode: 2,
    reason: /migrations not checked: .*migrate.dangerous is "fail", so nothing was changed/,
  },
  {
    name: 'deploy: a locked environment',
    app: LOCKED,
    args: () => ['deploy', 'staging', '--sha', sha],
    exitCode: 4,
    reason: /staging is locked by bob@ci/,
  },
  {
    name: 'rollback: a bad --to',
    args: () => ['rollback', 'staging', '--to', 'xyz'],
    exitCode: 2,
    reason: /--to: .* is not a git SHA/,
  },
  {
    name: 'rollback: nothing to return to',
    args: () => ['rollback', 'staging'],
    exitCode: 2,
    reason: /no earlier successful release in the ledger to roll back to/,
  },
  {
    name: 'promote: --from and --to the same',
    args: () => ['promote', '--from', 'staging', '--to', 'staging'],
    config: PROMOTING,
    exitCode: 2,
    reason: /--from and --to are both staging/,
  },
  {
    name: 'promote: from another environment than promoteFrom',
    args: () => ['promote', '--from', 'qa', '--to', 'production'],
    config: { environments: { qa: {}, staging: {}, production: { promoteFrom: 'staging' } } },
    exitCode: 2,
    reason: /--from qa: production promotes from staging/,
  },
  {
    name: 'promote: a SHA that never passed the source',
    args: () => ['promote', '--from', 'staging', '--to', 'production', '--sha', sha],
    config: PROMOTING,
    exitCode: 2,
    reason: /never passed staging/,
  },
];

/** The summary's text, as a reader sees it. */
const text = (html: string) =>
  html
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');

describe('every early failure of a release ends in one result', () => {
  it.each(cases)('$name', async (c) => {
    const cwd = appDir(c.app ?? APP, c.config ?? {});
    const args = [...c.args(), ...FAST];

    // --json in a GitHub job: the last line is the result, and the job summary has it.
    const json = await runMain([...args, '--json'], {
      cwd,
      env: { ...asGithubJob(args, sandbox.env), GITHUB_ACTIONS: 'true' },
      jobSummary: true,
    });
    expect(json.code, json.stderr).toBe(c.exitCode);
    const last = json.jsonLines().at(-1);
    expect(last).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: c.exitCode });
    expect(String(last?.reason)).toMatch(c.reason);
    expect(json.summary).toContain(`<b>aborted</b> · exit ${c.exitCode}`);
    expect(text(json.summary ?? '')).toMatch(c.reason);

    // On a terminal (plain, outside GitHub): the result block, with the reason.
    const plain = await runMain(args, { cwd, env: asGithubJob(args, sandbox.env) });
    expect(plain.code).toBe(c.exitCode);
    expect(plain.stderr).toMatch(new RegExp(`result\\s+aborted \\(exit ${c.exitCode}`));
    expect(plain.stderr).toMatch(c.reason);
    expect(plain.stderr).not.toMatch(/unexpected error|at .*\.ts:\d+/);
  });
});
