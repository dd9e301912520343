/**
 * ferry as a user gets it: `npm pack`, the tarball installed into an empty application, then
 * `npx ferry` from there. Node refuses to strip types under node_modules, so this is the only test
 * that proves the published package starts (and deploys) at all.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeVersionProblem } from '../../src/cli/node-version.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, jsonLines, seedApp } from './helpers.ts';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../..', import.meta.url));
// npm and npx run this Node (>= 22.18), first on PATH, as setup.sh arranges for npm scripts.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ''}`;

let sandbox: TestSandbox;
let scratch: string;
let app: string;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  const packDir = mkdtempSync(join(tmpdir(), 'ferry-pack-'));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], {
    cwd: REPO,
    env: { ...process.env, PATH },
    maxBuffer: 16 * 1024 * 1024,
  });
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  app = appDir('packed');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch-app', private: true }));
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', join(packDir, filename)],
    { cwd: app, env: { ...process.env, PATH }, maxBuffer: 16 * 1024 * 1024 },
  );
  scratch = packDir;
}, 300_000);
afterAll(async () => {
  await sandbox?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  if (app) rmSync(app, { recursive: true, force: true });
});

function npx(args: string[], env: Record<string, string> = {}) {
  return run('npx', ['--no-install', 'ferry', ...args], {
    cwd: app,
    env: { PATH, HOME: app, ...env },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      stdout: e.stdout,
      stderr: e.stderr,
    }),
  );
}

describe('the packed package, installed into an application', () => {
  it('ships compiled JavaScript only, and `npx ferry --help` starts', async () => {
    const help = await npx(['--help']);
    expect(help.stderr).not.toMatch(/ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING/);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/deploy/);
    expect(help.stdout).toMatch(/promote/);
    const listing = await run('find', ['node_modules/ferry', '-name', '*.ts', '-not', '-name', '*.d.ts'], {
      cwd: app,
    });
    expect(listing.stdout.trim()).toBe('');
  });

  it('exports the stacks as a library: ferry/stacks resolves to compiled JavaScript with its components', async () => {
    const probe = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const s = await import('ferry/stacks'); console.log(typeof s.FerryEnvironment, import.meta.resolve('ferry/stacks'));",
      ],
      { cwd: app, env: { PATH, HOME: app } },
    );
    expect(probe.stdout).toMatch(/^function file:.*node_modules\/ferry\/dist\/stacks\/index\.js/);
  });

  it('on an older Node, says which Node it needs in one line and exits 2', async (ctx) => {
    // The machine's own node (outside node_modules/.bin); on this project's machines it is Node 20.
    const systemPath = (process.env.PATH ?? '').split(':').filter((d) => !d.includes('node_modules'));
    const found = await run('sh', ['-c', 'command -v node'], { env: { PATH: systemPath.join(':') } }).catch(
      () => undefined,
    );
    const oldNode = found?.stdout.trim();
    const version = oldNode ? (await run(oldNode, ['--version'])).stdout.trim() : '';
    if (!oldNode || nodeVersionProblem(version, '>=22.18') === undefined) ctx.skip();
    const started = await run(oldNode!, ['node_modules/ferry/dist/cli/bin.js', '--help'], { cwd: app }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(started.code).toBe(2);
    expect(started.stderr).toBe(`ferry: ferry needs Node >= 22.18 (this is ${version.slice(1)})\n`);
  });

  it('deploys to the sandbox from the application directory', async () => {
    const { sha, digest } = await seedApp(sandbox, 'packed');
    const deploy = await npx(['deploy', 'staging', '--sha', sha, '--json', ...FAST], sandbox.env);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(jsonLines(deploy.stdout).at(-1)).toMatchObject({
      type: 'result',
      outcome: 'deployed',
      env: 'staging',
      sha,
      digest,
    });
  });
});
