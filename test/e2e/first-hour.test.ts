/**
 * The first hour of a new user, without dead ends: each test is a place where
 * trying ferry as a newcomer went the wrong way, run with the real bin/ferry.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import {
  appDir,
  FAST,
  freshSha,
  isMutating,
  jsonLines,
  requestsFor,
  runFerry,
  runInProcess,
  seedApp,
} from './helpers.ts';

let sandbox: TestSandbox;

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

/** A SHA that starts with `prefix`, random after it. */
const shaStarting = (prefix: string) => prefix + freshSha().slice(prefix.length);

describe('short SHAs', () => {
  it('deploys the image whose full-SHA tag a unique 7-character prefix names', async () => {
    const app = 'short';
    const { sha, digest } = await seedApp(sandbox, app);
    const run = await runFerry(['deploy', 'staging', '--sha', sha.slice(0, 7), '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ outcome: 'deployed', sha, digest });
  });

  it('refuses an ambiguous prefix, naming the candidates, before any change', async () => {
    const app = 'ambiguous';
    await seedApp(sandbox, app);
    const first = shaStarting('abcdef1');
    const second = shaStarting('abcdef1');
    await sandbox.control.pushImage(`${app}-staging`, first);
    await sandbox.control.pushImage(`${app}-staging`, second);
    await sandbox.control.clearRequests();
    const run = await runInProcess(['deploy', 'staging', '--sha', 'abcdef1', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--sha abcdef1 is ambiguous');
    expect(run.stderr).toContain(first);
    expect(run.stderr).toContain(second);
    expect((await requestsFor(sandbox, app)).filter(isMutating)).toEqual([]);
  });

  it('for an unknown prefix, never hints `ferry build --sha <short>`', async () => {
    const app = 'unknown';
    await seedApp(sandbox, app);
    const run = await runInProcess(['deploy', 'staging', '--sha', '0123abc', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no image in unknown-staging has a tag starting with 0123abc');
    expect(run.stderr).toContain('git checkout 0123abc && ferry build --env staging');
    expect(run.stderr).not.toMatch(/ferry build --sha/);
  });
});

describe('hints that point the right way', () => {
  it('for an environment with promoteFrom, the "no image" hint points to ferry promote', async () => {
    const app = 'promhint';
    await sandbox.control.seed({ app, environments: ['staging', 'production'] });
    const sha = freshSha();
    const run = await runInProcess(['deploy', 'production', '--sha', sha, ...FAST], {
      cwd: appDir(app, { environments: { staging: {}, production: { promoteFrom: 'staging' } } }),
      env: sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`ferry promote --from staging --to production --sha ${sha}`);
    expect(run.stderr).not.toContain('ferry build');
  });
});

describe('--dry-run', () => {
  it('ends with "dry run: nothing was changed", and --json keeps outcome ok and exit 0', async () => {
    const app = 'dryresult';
    const { sha } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    const human = await runFerry(['deploy', 'staging', '--sha', sha, '--dry-run', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stderr).toContain('dry run: nothing was changed (exit 0)');
    expect(human.stderr).not.toContain('the target runs the requested version');
    const json = await runFerry(['deploy', 'staging', '--sha', sha, '--dry-run', '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(jsonLines(json.stdout).at(-1)).toMatchObject({
      type: 'result',
      outcome: 'ok',
      exitCode: 0,
      dryRun: true,
    });
  });
});

describe('a manual rollback', () => {
  it('is recorded with kind rollback, shown in history, and ends with "rolled back to"', async () => {
    const app = 'manualback';
    const { sha: first } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    expect(
      (await runFerry(['deploy', 'staging', '--sha', first, ...FAST], { cwd, env: sandbox.env })).code,
    ).toBe(0);
    const second = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, second);
    expect(
      (await runFerry(['deploy', 'staging', '--sha', second, ...FAST], { cwd, env: sandbox.env })).code,
    ).toBe(0);

    const back = await runFerry(['rollback', 'staging', ...FAST], { cwd, env: sandbox.env });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain(`result rolled back to ${first.slice(0, 7)} (exit 0`);

    const history = await runFerry(['history', 'staging', '--json'], { cwd, env: sandbox.env });
    const kinds = jsonLines(history.stdout)
      .filter((l) => l.type === 'release')
      .map((l) => [l.kind, l.outcome, l.sha]);
    expect(kinds).toEqual([
      ['rollback', 'deployed', first],
      ['deploy', 'deployed', second],
      ['deploy', 'deployed', first],
    ]);
    const table = await runFerry(['history', 'staging'], { cwd, env: sandbox.env });
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`${first.slice(0, 7)}\\s+rollback\\s+deployed`));
  });
});

describe('ferry status with a bad descriptor', () => {
  it('lists every problem, as deploy does', async () => {
    const app = 'badstatus';
    const { descriptor } = await seedApp(sandbox, app);
    const cwd = appDir(app);
    writeFileSync(
      join(cwd, 'd.json'),
      JSON.stringify({ ...descriptor, cluster: '', services: [], accountId: 'nowhere' }),
    );
    const status = await runInProcess(['status', 'staging', '--descriptor', 'd.json'], {
      cwd,
      env: sandbox.env,
    });
    const deploy = await runInProcess(['deploy', 'staging', '--sha', freshSha(), '--descriptor', 'd.json'], {
      cwd,
      env: sandbox.env,
    });
    expect(status.code).toBe(2);
    for (const field of ['cluster', 'services', 'accountId']) {
      expect(status.stderr).toMatch(new RegExp(`^ *(ferry: staging: .*)?${field}: `, 'm'));
      expect(deploy.stderr).toMatch(new RegExp(`(^ *|(reason|next) .*)${field}: `, 'm'));
    }
  });
});

describe('no credentials, or nothing at AWS_ENDPOINT_URL', () => {
  const noCredentials = { AWS_REGION: 'eu-west-1', AWS_EC2_METADATA_DISABLED: 'true' };

  // A real process: without keys in its env, the SDK's default chain also reads this process's
  // environment and ~/.aws, so an in-process run would find whatever the test runner has.

  it.each([
    ['deploy', ['deploy', 'staging', '--sha', 'abcdef1']],
    ['status', ['status']],
    ['lock status', ['lock', 'status', 'staging']],
  ])('%s without credentials: one line naming the fix, exit 2', async (_name, args) => {
    const cwd = appDir('nocreds', { environments: { staging: {}, production: {} } });
    const run = await runFerry(args, { cwd, env: noCredentials });
    expect(run.code).toBe(2);
    const why =
      'no AWS credentials found (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run in GitHub Actions with id-token: write)';
    // A release says it in its result block (reason), the other commands in their one error line.
    const lines = run.stderr.split('\n').filter((l) => l.includes(why));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(args[0] === 'deploy' ? /^\S+ reason no AWS/ : /^ferry: no AWS/);
    expect(run.stderr).not.toMatch(/at .*\.ts:\d+|Error:/);
  });

  it('with nothing listening at AWS_ENDPOINT_URL: asks whether the sandbox runs, no SDK text, exit 2', async () => {
    const port = await closedPort();
    const endpoint = `http://127.0.0.1:${port}`;
    const run = await runInProcess(['deploy', 'staging', '--sha', 'abcdef1', '--json'], {
      cwd: appDir('noendpoint'),
      env: { ...sandbox.env, AWS_ENDPOINT_URL: endpoint },
    });
    expect(run.code).toBe(2);
    const why = `nothing answers at AWS_ENDPOINT_URL=${endpoint}; is \`ferry sandbox\` running? (unset AWS_ENDPOINT_URL to use AWS itself)`;
    expect(run.stderr).toContain(`reason ${why}\n`);
    expect(run.stderr).not.toMatch(/ECONNREFUSED|at .*\.ts:\d+/);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
  });
});

/** A port nothing listens on: bound, then closed again. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('ferry sandbox push', () => {
  it('pushes a new image tagged with the SHA it prints alone on stdout', async () => {
    const app = 'pushcmd';
    await seedApp(sandbox, app);
    const run = await runFerry(['sandbox', 'push', `${app}-staging`], { cwd: appDir(app), env: sandbox.env });
    expect(run.code, run.stderr).toBe(0);
    const sha = run.stdout.trim();
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(run.stderr).toContain(`deploy staging --sha ${sha}`);
    // The image is there: a dry run finds it by the short SHA a person would copy.
    const dry = await runFerry(['deploy', 'staging', '--sha', sha.slice(0, 7), '--dry-run', '--json'], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(jsonLines(dry.stdout).at(-1)).toMatchObject({ sha, dryRun: true });
  });

  it.each([
    ['without AWS_ENDPOINT_URL', {}, 'shop-staging', /AWS_ENDPOINT_URL is not set/],
    [
      'for a repository the sandbox lacks',
      undefined,
      'ghost-staging',
      /the sandbox has no repository ghost-staging; seed its app first/,
    ],
  ])('%s: one line, exit 2', async (_name, env, repository, says) => {
    const run = await runInProcess(['sandbox', 'push', repository], {
      cwd: appDir('pushfail'),
      env: (env as Record<string, string> | undefined) ?? sandbox.env,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(says);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });
});
