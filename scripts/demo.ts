// `npm run demo`: ferry's main job end to end against the local sandbox in real mode: the example
// app (examples/app) in real buildah containers, behind a real load balancer, on a real PostgreSQL.
// 1. `ferry build` (buildah) of the app, tagged with its commit SHA, pushed to staging's repository;
// 2. deploy it to staging (snapshot, real SQL migrations, roll out, verify); 3. promote that exact
// digest to production (the live health gate on staging, then the image copy and the database
// snapshot side by side); 4. build and deploy a version whose /health fails to staging and watch
// ferry roll it back; 5. promote again: production already runs what staging runs, so nothing
// happens; 6. status of both environments and production's history. Timings of each stage at the end.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeColors } from '../src/cli/render/mode.ts';
import { readRuntime } from '../src/runtime.ts';
import { EXAMPLE_APP_DIR, startSandbox } from '../src/sandbox/index.ts';
import { defaultBuildStorage, ensureNodeBase, storageArgs } from '../src/sandbox/real/example-image.ts';

const exec = promisify(execFile);
const ferry = fileURLToPath(new URL('../bin/ferry', import.meta.url));
// Plain text when piped or under NO_COLOR, like ferry's own output.
const c = makeColors(Boolean(process.stderr.isTTY) && readRuntime(process.env).color);
const say = (text: string) => process.stderr.write(`\n${c.bold(`==> ${text}`)}\n`);

// Ctrl-C reaches the running ferry too (same process group): it stops its release cleanly and exits,
// then the demo stops the sandbox instead of dying with containers and PostgreSQL still running.
let interrupted: NodeJS.Signals | undefined;
let running: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (!interrupted) say(`${signal}: stopping after the current step, then cleaning up`);
    interrupted = signal;
    // SIGTERM and SIGHUP may have been sent to the demo alone.
    if (signal !== 'SIGINT') running?.kill(signal);
  });
}
const checkInterrupted = () => {
  if (interrupted) throw new Error(`interrupted (${interrupted})`);
};

function runFerry(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  checkInterrupted();
  process.stderr.write(`${c.dim(`$ ferry ${args.join(' ')}`)}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ferry, ...args], { cwd, env, stdio: 'inherit' });
    running = child;
    child.on('exit', (code) => {
      running = undefined;
      resolve(code ?? 1);
    });
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
 * The example app in a git repository of its own, so each release is a commit. Its Dockerfile's
 * base defaults to node:24-alpine, which cannot be pulled offline: build.args names the local base
 * (this machine's node, FROM scratch) instead. BROKEN is a build arg too, so the broken release
 * is a commit that changes only the config.
 */
async function createApp(dir: string, base: string): Promise<void> {
  await cp(EXAMPLE_APP_DIR, dir, { recursive: true });
  const config = JSON.parse(await readFile(join(dir, 'ferry.config.json'), 'utf8'));
  await writeConfig(dir, {
    ...config,
    build: { ...config.build, args: { BASE: base, BROKEN: '' } },
    migrate: { command: ['node', 'migrate.ts'], timeout: '2m' },
    health: { ...config.health, successes: 2, interval: '500ms', timeout: '90s' },
    // Production in an account of its own, as the sandbox's seed has it.
    environments: {
      staging: { roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy' },
      production: {
        roleArn: 'arn:aws:iam::222222222222:role/shop-production-deploy',
        promoteFrom: 'staging',
        promoteFromRoleArn: 'arn:aws:iam::111111111111:role/shop-staging-promote-source',
      },
    },
  });
  await git(dir, 'init', '-q');
  await git(dir, 'add', '.');
  await git(dir, 'commit', '-q', '-m', 'shop: first release');
}

const writeConfig = (dir: string, config: unknown) =>
  writeFile(join(dir, 'ferry.config.json'), `${JSON.stringify(config, null, 2)}\n`);

/** What the app answers through the sandbox's load balancer, as a client would see it. */
async function answer(endpoint: string, service: string): Promise<string> {
  const res = await fetch(`${endpoint}/_lb/${service}/health`).catch((err: Error) => err);
  return res instanceof Error ? res.message : `${res.status} ${await res.text()}`.trim();
}

const started = performance.now();
const timings: { stage: string; seconds: number }[] = [];
async function timed<T>(stage: string, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    timings.push({ stage, seconds: (performance.now() - t0) / 1000 });
  }
}

// Health checks every second of real time, ECS's 30 s grace period in 3 s.
const sandbox = await timed('start the sandbox (real mode)', () =>
  startSandbox({ real: true, timeScale: 10 }),
);
const dir = await mkdtemp(join(tmpdir(), 'ferry-demo-'));
const app = join(dir, 'app');
// The node base is kept in the shared example-image storage, so it is built once per machine.
const storage = defaultBuildStorage();
const built: string[] = [];
const outcomes: boolean[] = [];
const expect = (code: number, wanted: number, meaning: string) => {
  checkInterrupted();
  say(`exit code ${code} (${wanted}: ${meaning})`);
  outcomes.push(code === wanted);
};
try {
  say(`sandbox: AWS at ${sandbox.endpoint}, image registry at ${sandbox.registryHost}`);
  say('real mode: tasks are buildah containers, the load balancer probes them, databases are PostgreSQL');
  process.stderr.write(
    `containers, clusters and snapshots live in ${sandbox.real!.stateDir} until the end\n`,
  );
  const [, base] = await timed('seed; node base image for the app', () =>
    Promise.all([sandbox.control.seed({ app: 'shop', desiredCount: 1 }), ensureNodeBase(storage)]),
  );
  // The seeded databases' PostgreSQL clusters start while the image builds, rather than on first use.
  const databases = Promise.all(
    ['shop-staging', 'shop-production'].map((id) => sandbox.real!.databaseUrl(id)),
  );
  databases.catch(() => undefined);
  await createApp(app, base);
  // ferry's buildah uses the same storage as ensureNodeBase (vfs needs no privileges, no daemon).
  const storageConf = join(dir, 'storage.conf');
  await writeFile(
    storageConf,
    `[storage]\ndriver = "vfs"\ngraphroot = "${storage.root}"\nrunroot = "${storage.runroot}"\n`,
  );
  const oidcUrl = (sub: string) => `${sandbox.endpoint}/_sandbox/oidc/token?sub=${encodeURIComponent(sub)}`;
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_EC2_METADATA_DISABLED: 'true',
    CONTAINERS_STORAGE_CONF: storageConf,
    BUILDAH_ISOLATION: 'chroot',
    TMPDIR: dir,
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
  const short = (sha: string) => sha.slice(0, 7);

  say(
    `build commit ${short(good)} of examples/app with buildah and push it to staging's repository, tagged ${short(good)}`,
  );
  built.push(`${sandbox.registryHost}/shop-staging:${good}`);
  expect(
    await timed('ferry build (good)', () => runFerry(['build', '--builder', 'buildah'], env, app)),
    0,
    'built and pushed',
  );
  await timed('PostgreSQL clusters (rest of their start)', () => databases);

  say(`deploy ${short(good)} to staging: snapshot, real SQL migrations, roll out a container, verify`);
  expect(
    await timed('ferry deploy staging (good)', () =>
      runFerry(['deploy', 'staging', '--sha', good, ...poll], env, app),
    ),
    0,
    'deployed and verified',
  );
  say(`staging's app through its load balancer: ${await answer(sandbox.endpoint, 'shop-staging-web')}`);
  const tables = await sandbox.real!.query(
    'shop-staging',
    "SELECT string_agg(tablename, ', ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'",
  );
  say(`staging's PostgreSQL after the migrations: tables ${tables.trim()}`);

  say('promote what staging runs to production: staging is checked live, then copy and snapshot run at once');
  expect(
    await timed('ferry promote (staging -> production)', () =>
      runFerry(['promote', '--from', 'staging', '--to', 'production', ...poll], production, app),
    ),
    0,
    'production runs the exact image staging ran',
  );
  say(`production's app through its load balancer: ${await answer(sandbox.endpoint, 'shop-production-web')}`);

  const config = JSON.parse(await readFile(join(app, 'ferry.config.json'), 'utf8'));
  await writeConfig(app, {
    ...config,
    build: { ...config.build, args: { ...config.build.args, BROKEN: 'health' } },
  });
  await git(app, 'commit', '-q', '-am', 'shop: a broken release (BROKEN=health)');
  const bad = await git(app, 'rev-parse', 'HEAD');
  say(`build ${short(bad)}, a version whose /health cannot reach its database (build arg BROKEN=health)`);
  built.push(`${sandbox.registryHost}/shop-staging:${bad}`);
  expect(
    await timed('ferry build (broken)', () => runFerry(['build', '--builder', 'buildah'], env, app)),
    0,
    'built and pushed',
  );
  say(`deploy ${short(bad)} to staging: its health checks fail for real, and ferry rolls it back`);
  expect(
    await timed('ferry deploy staging (broken, rolled back)', () =>
      runFerry(['deploy', 'staging', '--sha', bad, ...poll], env, app),
    ),
    1,
    'the release failed and staging was restored',
  );
  say(`staging's app through its load balancer: ${await answer(sandbox.endpoint, 'shop-staging-web')}`);

  say(`promote again: staging runs ${short(good)} again, which production already runs`);
  expect(
    await timed('ferry promote again (no-op)', () =>
      runFerry(['promote', '--from', 'staging', '--to', 'production', ...poll], production, app),
    ),
    0,
    'nothing to do, nothing changed',
  );

  say('status and history: what runs where, and the production ledger');
  await timed('ferry status x2, ferry history', async () => {
    await runFerry(['status', 'staging'], env, app);
    await runFerry(['status', 'production'], production, app);
    await runFerry(['history', 'production'], production, app);
  });
  process.exitCode = outcomes.every(Boolean) ? 0 : 1;
} catch (err) {
  say(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await timed('stop the sandbox, clean up', async () => {
    // Containers, PostgreSQL clusters, the registry and their state go with the sandbox.
    await sandbox.stop();
    // The demo's images stay out of the shared build storage; the node base stays for next time.
    for (const image of built) {
      await exec('buildah', [...storageArgs(storage), 'rmi', image]).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  });
  const total = (performance.now() - started) / 1000;
  const width = Math.max(...timings.map((t) => t.stage.length));
  say('timings');
  for (const t of timings)
    process.stderr.write(`  ${t.stage.padEnd(width)}  ${t.seconds.toFixed(1).padStart(5)} s\n`);
  process.stderr.write(`  ${'total'.padEnd(width)}  ${total.toFixed(1).padStart(5)} s\n`);
}
