import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, isMutating, jsonLines, requestsFor, runFerry, runInProcess } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});

const migrateConfig = (dangerous: 'warn' | 'fail', paths = ['db/migrations/**/*.sql']) => ({
  command: ['npm', 'run', 'migrate'],
  timeout: '2m',
  paths,
  dangerous,
});

/**
 * An application repository with two commits: the first (running in staging)
 * creates `orders`, the second adds a migration that drops one of its columns.
 */
async function repoWithDangerousMigration(
  app: string,
  dangerous: 'warn' | 'fail',
  environments = ['staging'],
  paths?: string[],
): Promise<{ cwd: string; second: string }> {
  const cwd = appDir(app, {
    migrate: migrateConfig(dangerous, paths),
    environments: Object.fromEntries(
      environments.map((env) => [env, env === 'production' ? { promoteFrom: 'staging' } : {}]),
    ),
  });
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
      encoding: 'utf8',
    }).trim();
  mkdirSync(join(cwd, 'db', 'migrations'), { recursive: true });
  writeFileSync(join(cwd, 'db/migrations/001.sql'), 'CREATE TABLE orders (id int, note text);\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'orders');
  const first = git('rev-parse', 'HEAD');
  writeFileSync(join(cwd, 'db/migrations/002.sql'), '-- contract\nALTER TABLE orders DROP COLUMN note;\n');
  git('add', '-A');
  git('commit', '-qm', 'drop note');
  const second = git('rev-parse', 'HEAD');

  await sandbox.control.seed({ app, environments, desiredCount: 2, initialSha: first });
  await sandbox.control.pushImage(`${app}-staging`, second);
  return { cwd, second };
}

describe('migration checks (sandbox)', () => {
  it('with "warn", prints the dangerous statement the release adds and still deploys', async () => {
    const app = 'lintwarn';
    const { cwd, second } = await repoWithDangerousMigration(app, 'warn');
    const run = await runFerry(['deploy', 'staging', '--sha', second, ...FAST], { cwd, env: sandbox.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('db/migrations/002.sql:2 drop-column: drops a column');
    expect(run.stderr).toContain('1 migration file checked');
    expect(run.stderr).toContain('1 danger, 0 warnings');
    // 001.sql ran already: only what this release adds is checked.
    expect(run.stderr).not.toContain('001.sql');
    const ops = (await requestsFor(sandbox, app)).map((r) => r.operation);
    expect(ops).toContain('UpdateService');
  });

  it('with "fail", exits 2 before any mutating call, naming the finding and the way out', async () => {
    const app = 'lintfail';
    const { cwd, second } = await repoWithDangerousMigration(app, 'fail');
    const run = await runInProcess(['deploy', 'staging', '--sha', second, '--json', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(2);
    const lines = jsonLines(run.stdout);
    expect(lines).toContainEqual(
      expect.objectContaining({
        type: 'log',
        level: 'error',
        message: expect.stringContaining('db/migrations/002.sql:2 drop-column'),
      }),
    );
    expect(lines.at(-1)).toMatchObject({ type: 'result', outcome: 'aborted', exitCode: 2 });
    expect(run.stderr).toContain('migrate.dangerous is "fail", so nothing was changed');
    expect(run.stderr).toContain('"dangerous": "warn"');
    const requests = await requestsFor(sandbox, app);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.filter(isMutating)).toEqual([]);
  });

  it('checks what a character-class glob ([0-9]*.sql) names, instead of finding nothing', async () => {
    const app = 'lintclass';
    const { cwd, second } = await repoWithDangerousMigration(
      app,
      'fail',
      ['staging'],
      ['db/migrations/[0-9]*.sql'],
    );
    const run = await runInProcess(['deploy', 'staging', '--sha', second, ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('db/migrations/002.sql:2 drop-column');
    expect((await requestsFor(sandbox, app)).filter(isMutating)).toEqual([]);
  });

  it('never reports an all-clear for a glob that matches no file: with "fail", exit 2 naming it', async () => {
    const app = 'linttypo';
    const { cwd, second } = await repoWithDangerousMigration(
      app,
      'fail',
      ['staging'],
      ['db/migraitons/*.sql'],
    );
    const run = await runInProcess(['deploy', 'staging', '--sha', second, ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain('"db/migraitons/*.sql" matches no file');
    expect(run.stderr).not.toContain('nothing dangerous');
    expect((await requestsFor(sandbox, app)).filter(isMutating)).toEqual([]);
  });

  it('--dry-run shows the findings too', async () => {
    const app = 'lintdry';
    const { cwd, second } = await repoWithDangerousMigration(app, 'warn');
    const run = await runFerry(['deploy', 'staging', '--sha', second, '--dry-run', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('db/migrations/002.sql:2 drop-column');
    expect((await requestsFor(sandbox, app)).filter(isMutating)).toEqual([]);
  });

  it('ferry promote checks against what runs in the target, and "fail" stops it before any mutating call', async () => {
    const app = 'lintpromote';
    const { cwd, second } = await repoWithDangerousMigration(app, 'warn', ['staging', 'production']);
    const staged = await runFerry(['deploy', 'staging', '--sha', second, ...FAST], { cwd, env: sandbox.env });
    expect(staged.code, staged.stderr).toBe(0);

    // Staging runs the second commit now; production still runs the first, so the drop is still new there.
    const config = JSON.parse(readFileSync(join(cwd, 'ferry.config.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(cwd, 'ferry.config.json'),
      JSON.stringify({ ...config, migrate: migrateConfig('fail') }),
    );
    const before = (await requestsFor(sandbox, app)).length;
    const refused = await runInProcess(['promote', '--from', 'staging', '--to', 'production', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('db/migrations/002.sql:2 drop-column');
    expect((await requestsFor(sandbox, app)).slice(before).filter(isMutating)).toEqual([]);

    writeFileSync(
      join(cwd, 'ferry.config.json'),
      JSON.stringify({ ...config, migrate: migrateConfig('warn') }),
    );
    const promoted = await runFerry(['promote', '--from', 'staging', '--to', 'production', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stderr).toContain('db/migrations/002.sql:2 drop-column');
  });
});
