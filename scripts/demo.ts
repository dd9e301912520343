// `npm run demo`: ferry's main job end to end against the local simulated AWS.
// Starts the sandbox, seeds the app "shop", pushes two images, deploys the first
// (snapshot, migration, rollout, verification), then deploys a second whose
// health checks fail, so ferry rolls it back by itself. Ends with status and history.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { colorEnabled, makeColors } from '../src/cli/render/mode.ts';
import { startSandbox } from '../src/sandbox/index.ts';

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

const sandbox = await startSandbox({ timeScale: 30 });
const dir = await mkdtemp(join(tmpdir(), 'ferry-demo-'));
try {
  say(`sandbox: simulated AWS at ${sandbox.endpoint}, registry at ${sandbox.registryHost}`);
  await sandbox.control.seed({ app: 'shop' });
  const good = randomBytes(20).toString('hex');
  const bad = randomBytes(20).toString('hex');
  await sandbox.control.pushImage('shop-staging', good);
  await sandbox.control.pushImage('shop-staging', bad);
  await writeFile(
    join(dir, 'ferry.config.json'),
    JSON.stringify(
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
          },
        },
      },
      null,
      2,
    ),
  );
  const env = {
    ...process.env,
    AWS_ENDPOINT_URL: sandbox.endpoint,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo',
    AWS_EC2_METADATA_DISABLED: 'true',
    // As in the deploy workflow on a push to main: ferry exchanges this job's OIDC token for the
    // staging deploy role, and the sandbox holds every call to that role's policy.
    ACTIONS_ID_TOKEN_REQUEST_URL: `${sandbox.endpoint}/_sandbox/oidc/token?sub=${encodeURIComponent('repo:acme/shop:ref:refs/heads/main')}`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'demo',
  };
  const poll = ['--poll-interval', '1s'];

  say(`deploy ${good.slice(0, 7)} to staging: snapshot, migrate, roll out, verify`);
  const first = await runFerry(['deploy', 'staging', '--sha', good, ...poll], env, dir);
  say(`exit code ${first} (0: deployed and verified)`);

  say(`deploy ${bad.slice(0, 7)}, a version whose health checks fail: ferry rolls it back`);
  await sandbox.control.setFaults({ unhealthy: [{ version: bad }] });
  const second = await runFerry(['deploy', 'staging', '--sha', bad, ...poll], env, dir);
  say(`exit code ${second} (1: the release failed and staging was restored)`);
  await sandbox.control.clearFaults();

  say('status and history');
  await runFerry(['status', 'staging'], env, dir);
  await runFerry(['history', 'staging'], env, dir);
  process.exitCode = first === 0 && second === 1 ? 0 : 1;
} finally {
  await sandbox.stop();
  await rm(dir, { recursive: true, force: true });
}
