// `npm run demo`: ferry's main job end to end against the local simulated AWS, with real images.
// 1. `ferry build` (buildah) of a tiny app, tagged with its commit SHA, pushed to staging's repository;
// 2. deploy it to staging; 3. promote that exact digest to production (the live health gate on
// staging, then the image copy and the database snapshot side by side); 4. build and deploy a
// broken version to staging and watch ferry roll it back; 5. promote again: production already runs
// what staging runs, so nothing happens; 6. status of both environments and production's history.
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { colorEnabled, makeColors } from '../src/cli/render/mode.ts';
import { startSandbox } from '../src/sandbox/index.ts';

const exec = promisify(execFile);
const ferry = fileURLToPath(new URL('../bin/ferry', import.meta.url));
// Plain text when piped or under NO_COLOR, like ferry's own output.
const c = makeColors(Boolean(process.stderr.isTTY) && colorEnabled(process.env));
const say = (text: string) => process.stderr.write(`\n${c.bold(`==> ${text}`)}\n`);

function runFerry(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  process.stderr.write(`${c.dim(`$ ferry ${args.join(' ')}`)}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ferry, ...args], { cwd, env, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

const git = (cwd: string, ...args: string[]) =>
  exec('git', [
    '-C',
    cwd,
    '-c',
    'user.name=ferry demo',
    '-c',
    'user.email=demo@example.invalid',
    ...args,
  ]).then((r) => r.stdout.trim());

/**
 * A tiny app in a git repository. `FROM scratch` builds offline: no base image to pull.
 * In the sandbox, the simulated tasks report the version ferry deployed; the image itself is real.
 */
async function createApp(dir: string): Promise<void> {
  await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY release.txt /release.txt\n');
  await writeFile(join(dir, 'release.txt'), 'shop, first release\n');
  await writeFile(
    join(dir, 'ferry.config.json'),
    `${JSON.stringify(
      {
        app: 'shop',
        region: 'eu-west-1',
        migrate: { command: ['npm', 'run', 'migrate'], timeout: '2m' },
        health: { path: '/health', successes: 3, interval: '500ms', timeout: '1m' },
        environments: {
          staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' },
          production: {
            roleArn: 'arn:aws:iam::222222222222:role/shop-production-deploy',
            promoteFrom: 'staging',
            promoteFromRoleArn: 'arn:aws:iam::111111111111:role/shop-staging-promote-source',
          },
        },
      },
      null,
      2,
    )}\n`,
  );
  await git(dir, 'init', '-q');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'shop: first release');
}

const sandbox = await startSandbox({ timeScale: 30 });
const dir = await mkdtemp(join(tmpdir(), 'ferry-demo-'));
const storage = join(dir, '.buildah');
const app = join(dir, 'app');
const outcomes: boolean[] = [];
const expect = (code: number, wanted: number, meaning: string) => {
  say(`exit code ${code} (${wanted}: ${meaning})`);
  outcomes.push(code === wanted);
};
try {
  say(`sandbox: simulated AWS at ${sandbox.endpoint}, image registry at ${sandbox.registryHost}`);
  await sandbox.control.seed({ app: 'shop' });
  await mkdir(app);
  await mkdir(storage);
  await createApp(app);
  // Buildah keeps its images in the demo's temp dir (vfs needs no privileges) and runs without a daemon.
  await writeFile(
    join(storage, 'storage.conf'),
    `[storage]\ndriver = "vfs"\ngraphroot = "${join(storage, 'root')}"\nrunroot = "${join(storage, 'run')}"\n`,
  );
  const oidcUrl = (sub: string) => `${sandbox.endpoint}/_sandbox/oidc/token?sub=${encodeURIComponent(sub)}`;
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_EC2_METADATA_DISABLED: 'true',
    CONTAINERS_STORAGE_CONF: join(storage, 'storage.conf'),
    BUILDAH_ISOLATION: 'chroot',
    TMPDIR: storage,
    // As in the deploy workflow on a push to main: ferry exchanges this job's OIDC token for the
    // staging deploy role, and the sandbox holds every call to that role's policy.
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl('repo:acme/shop:ref:refs/heads/main'),
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'demo',
  };
  // As in the production job (GitHub environment "production"): its token assumes production's deploy
  // role, and staging is read through staging's read-only promotion source role.
  const production = {
    ...env,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidcUrl('repo:acme/shop:environment:production'),
  };
  const poll = ['--poll-interval', '500ms'];
  const good = await git(app, 'rev-parse', 'HEAD');

  say(
    `build commit ${good.slice(0, 7)} with buildah and push it to staging's repository, tagged ${good.slice(0, 7)}`,
  );
  expect(await runFerry(['build', '--builder', 'buildah'], env, app), 0, 'built and pushed');

  say(`deploy ${good.slice(0, 7)} to staging: snapshot, migrate, roll out, verify`);
  expect(await runFerry(['deploy', 'staging', '--sha', good, ...poll], env, app), 0, 'deployed and verified');

  say('promote what staging runs to production: staging is checked live, then copy and snapshot run at once');
  expect(
    await runFerry(['promote', '--from', 'staging', '--to', 'production', ...poll], production, app),
    0,
    'production runs the exact image staging ran',
  );

  await writeFile(join(app, 'release.txt'), 'shop, second release: its health checks fail\n');
  await git(app, 'commit', '-q', '-am', 'shop: a broken release');
  const bad = await git(app, 'rev-parse', 'HEAD');
  say(`build ${bad.slice(0, 7)}, a version whose health checks fail (the sandbox injects the fault)`);
  expect(await runFerry(['build', '--builder', 'buildah'], env, app), 0, 'built and pushed');
  await sandbox.control.setFaults({ unhealthy: [{ version: bad }] });
  say(`deploy ${bad.slice(0, 7)} to staging: ferry sees it fail and rolls it back`);
  expect(
    await runFerry(['deploy', 'staging', '--sha', bad, ...poll], env, app),
    1,
    'the release failed and staging was restored',
  );
  await sandbox.control.clearFaults();

  say(`promote again: staging runs ${good.slice(0, 7)} again, which production already runs`);
  expect(
    await runFerry(['promote', '--from', 'staging', '--to', 'production', ...poll], production, app),
    0,
    'nothing to do, nothing changed',
  );

  say('status and history: what runs where, and the production ledger');
  await runFerry(['status', 'staging'], env, app);
  await runFerry(['status', 'production'], production, app);
  await runFerry(['history', 'production'], production, app);
  process.exitCode = outcomes.every(Boolean) ? 0 : 1;
} finally {
  await sandbox.stop();
  await exec('buildah', ['rm', '--all'], {
    env: { ...process.env, CONTAINERS_STORAGE_CONF: join(storage, 'storage.conf') },
  }).catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
}
