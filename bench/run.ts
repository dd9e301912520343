/**
 * `npm run bench`: ferry against the sandbox at known time scales. Not a test:
 * it prints measurements next to their targets.
 *
 * 1. Failure detection latency: the new version starts failing its health checks
 *    as soon as verification starts; time until ferry's rollback UpdateService.
 *    Target: at most one poll interval plus one health interval.
 * 2. AWS calls per minute per service while watching a rollout at the default
 *    5 s poll interval. Target: at most 15.
 * 3. A healthy deploy's wall time (process start to exit) over the sandbox's
 *    inherent minimum: how long the snapshot, the migration task and the rollout
 *    take in the sandbox (watched every 15 ms from outside), plus the health
 *    interval times (successes - 1). Target: at most 1.05.
 * 4. A promotion's wall time (its first step to its last, from ferry's own step
 *    events) over max(image copy, snapshot) plus every other step: the copy and
 *    the snapshot run at the same time, so the longer one is the critical path.
 *    Target: at most 1.05 (run one after the other, the ratio would be about
 *    1 + min(copy, snapshot) / that sum).
 */
import { createAwsPorts } from '../src/aws/index.ts';
import { renderTable } from '../src/cli/render/index.ts';
import { startTestSandbox, type TestSandbox } from '../test/support/sandbox.ts';
import { configDir, ferry, sha } from './ferry.ts';

interface Row {
  metric: string;
  value: number;
  unit: string;
  target: number;
  detail: string;
}

const simNow = async (sb: TestSandbox) => Date.parse((await sb.control.state()).now as string);

async function detectionLatency(sb: TestSandbox): Promise<Row> {
  const app = 'bench-detect';
  const scale = 60;
  await sb.control.setTimeScale(scale);
  await sb.control.seed({ app, environments: ['staging'], initialSha: sha() });
  const version = sha();
  await sb.control.pushImage(`${app}-staging`, version);
  const pollMs = 500;
  const healthMs = 500;
  let injectedAtSim: Promise<number> | undefined;
  const run = await ferry(
    ['deploy', 'staging', '--sha', version, '--poll-interval', `${pollMs}ms`],
    configDir(app, { interval: `${healthMs}ms`, successes: 3 }),
    sb.env,
    (line) => {
      if (!injectedAtSim && /step verify start/.test(line)) {
        injectedAtSim = sb.control.setFaults({ unhealthy: [{ version }] }).then(() => simNow(sb));
      }
    },
  );
  await sb.control.clearFaults();
  const updates = (await sb.control.requests()).filter(
    (r) => r.operation === 'UpdateService' && JSON.stringify(r.params).includes(app),
  );
  const rollback = updates[1];
  if (run.code !== 1 || !rollback || !injectedAtSim)
    throw new Error(`detection scenario did not roll back (exit ${run.code})\n${run.stderr}`);
  // Both instants are simulated time; the state query after the fault only makes the measure pessimistic.
  const latency = (Date.parse(rollback.ts) - (await injectedAtSim)) / scale;
  return {
    metric: 'failure detection latency',
    value: Math.max(0, latency),
    unit: 'ms',
    target: pollMs + healthMs,
    detail: `poll ${pollMs}ms + health ${healthMs}ms, time x${scale}`,
  };
}

async function callsPerMinute(sb: TestSandbox): Promise<Row> {
  const app = 'bench-frugal';
  const scale = 2;
  await sb.control.setTimeScale(scale);
  await sb.control.seed({ app, environments: ['staging'], initialSha: sha() });
  const version = sha();
  await sb.control.pushImage(`${app}-staging`, version);
  await sb.control.clearRequests();
  const run = await ferry(
    ['deploy', 'staging', '--sha', version, '--json'],
    configDir(app, { interval: '1s', successes: 2 }),
    sb.env,
  );
  if (run.code !== 0) throw new Error(`frugal scenario failed (exit ${run.code})\n${run.stderr}`);
  const steps = run.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type: string; step?: string; status?: string; ts: string });
  const started = steps.find((e) => e.type === 'step' && e.step === 'watch' && e.status === 'start');
  const done = steps.find((e) => e.type === 'step' && e.step === 'watch' && e.status === 'done');
  if (!started || !done) throw new Error('no watch step in the output');
  // Request timestamps are simulated time: locate the window by the UpdateService and the last DescribeServices before verify.
  const requests = (await sb.control.requests()).filter((r) => JSON.stringify(r.params).includes(app));
  const from = requests.findIndex((r) => r.operation === 'UpdateService');
  const confirm = requests.findIndex((r, i) => i > from && r.operation === 'DescribeServiceDeployments');
  const to = confirm >= 0 ? confirm : requests.length - 1;
  const calls = requests.slice(from + 1, to + 1).length;
  const watchedMs = Date.parse(done.ts) - Date.parse(started.ts);
  return {
    metric: 'AWS calls per minute per service while watching',
    value: (calls / watchedMs) * 60_000,
    unit: 'calls/min',
    target: 15,
    detail: `${calls} calls in ${(watchedMs / 1000).toFixed(1)}s, default 5s poll, time x${scale}`,
  };
}

async function wallTimeRatio(sb: TestSandbox): Promise<Row> {
  const app = 'bench-wall';
  const scale = 2;
  await sb.control.setTimeScale(scale);
  await sb.control.seed({ app, environments: ['staging'], initialSha: sha() });
  const version = sha();
  await sb.control.pushImage(`${app}-staging`, version);
  const healthMs = 250;
  const successes = 3;
  const watcher = watchSandbox(sb, app, version);
  const run = await ferry(
    ['deploy', 'staging', '--sha', version, '--poll-interval', '250ms'],
    configDir(app, { interval: `${healthMs}ms`, successes }),
    sb.env,
  );
  const phases = await watcher.stop();
  if (run.code !== 0) throw new Error(`wall-time scenario failed (exit ${run.code})\n${run.stderr}`);
  const minimum = phases.snapshot + phases.migration + phases.rollout + (successes - 1) * healthMs;
  const wall = run.endedAt - run.startedAt;
  return {
    metric: 'healthy deploy wall time / inherent minimum',
    value: wall / minimum,
    unit: 'x',
    target: 1.05,
    detail: `${(wall / 1000).toFixed(2)}s vs ${(minimum / 1000).toFixed(2)}s (snapshot ${(phases.snapshot / 1000).toFixed(1)}s, migration ${(phases.migration / 1000).toFixed(1)}s, rollout ${(phases.rollout / 1000).toFixed(1)}s), poll 250ms, time x${scale}`,
  };
}

/** The ECR calls of an image copy: slowed so that the copy lasts about as long as the snapshot. */
const COPY_OPERATIONS = [
  'BatchGetImage',
  'BatchCheckLayerAvailability',
  'GetDownloadUrlForLayer',
  'InitiateLayerUpload',
  'UploadLayerPart',
  'CompleteLayerUpload',
  'PutImage',
];

async function promotionRatio(sb: TestSandbox): Promise<Row> {
  const app = 'bench-promote';
  const scale = 10;
  await sb.control.setTimeScale(scale);
  await sb.control.seed({ app, environments: ['staging', 'production'], initialSha: sha() });
  const version = sha();
  await sb.control.pushImage(`${app}-staging`, version);
  const cwd = configDir(
    app,
    { interval: '250ms', successes: 3 },
    { staging: {}, production: { promoteFrom: 'staging' } },
  );
  const fast = ['--poll-interval', '250ms'];
  const staged = await ferry(['deploy', 'staging', '--sha', version, ...fast], cwd, sb.env);
  if (staged.code !== 0) throw new Error(`promotion scenario: staging deploy failed\n${staged.stderr}`);
  await sb.control.setFaults({ latencyMs: 250, faultOperations: COPY_OPERATIONS });
  const run = await ferry(
    ['promote', '--from', 'staging', '--to', 'production', '--json', ...fast],
    cwd,
    sb.env,
  );
  await sb.control.clearFaults();
  if (run.code !== 0) throw new Error(`promotion scenario failed (exit ${run.code})\n${run.stderr}`);
  const steps = run.stdout
    .split('\n')
    .filter(Boolean)
    .map(
      (l) =>
        JSON.parse(l) as { type: string; step?: string; status?: string; elapsedMs?: number; ts: string },
    )
    .filter((e) => e.type === 'step');
  const ended = steps.filter((e) => e.status !== 'start');
  const ms = (step: string) => ended.find((e) => e.step === step)?.elapsedMs ?? 0;
  const copy = ms('copy-image');
  const snapshot = ms('snapshot');
  if (!copy || !snapshot) throw new Error('promotion scenario: no copy-image or snapshot step');
  const rest = ended
    .filter((e) => e.step !== 'copy-image' && e.step !== 'snapshot')
    .reduce((n, e) => n + (e.elapsedMs ?? 0), 0);
  const wall = Date.parse(steps.at(-1)!.ts) - Date.parse(steps[0]!.ts);
  const critical = Math.max(copy, snapshot) + rest;
  return {
    metric: 'promotion wall time / (max(copy, snapshot) + rest)',
    value: wall / critical,
    unit: 'x',
    target: 1.05,
    detail: `${(wall / 1000).toFixed(2)}s vs ${(critical / 1000).toFixed(2)}s (copy ${(copy / 1000).toFixed(1)}s, snapshot ${(snapshot / 1000).toFixed(1)}s, rest ${(rest / 1000).toFixed(1)}s; in sequence ${((copy + snapshot + rest) / critical).toFixed(2)}x), time x${scale}`,
  };
}

/**
 * Watches the sandbox from outside every 15 ms: when the snapshot, the migration
 * task and the new deployment appear, and when each is done. Real milliseconds.
 */
function watchSandbox(sb: TestSandbox, app: string, version: string) {
  const seen: Record<string, number> = {};
  const mark = (key: string) => {
    seen[key] ??= performance.now();
  };
  const rds = createAwsPorts({ region: sb.region, env: sb.env }).database;
  let running = true;
  const loop = (async () => {
    while (running) {
      // biome-ignore lint/suspicious/noExplicitAny: the sandbox's free-form state dump
      const state: any = await sb.control.state();
      const snapshot = (state.snapshots as string[]).find((s) =>
        s.startsWith(`ferry-staging-${version.slice(0, 7)}-`),
      );
      if (snapshot) {
        mark('snapshotStart');
        if ((await rds.describeSnapshot(snapshot))?.status === 'available') mark('snapshotEnd');
      }
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const migration = (state.tasks as any[]).find(
        (t) => !t.serviceName && t.appVersion === version && String(t.taskArn).includes(`/${app}-staging/`),
      );
      if (migration) {
        mark('migrationStart');
        if (migration.lastStatus === 'STOPPED') mark('migrationEnd');
      }
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const service = (state.services as any[]).find((s) => s.serviceName === `${app}-staging-web`);
      // biome-ignore lint/suspicious/noExplicitAny: as above
      const primary = service?.deployments.find((d: any) => d.status === 'PRIMARY');
      if (primary && String(primary.taskDefinition).endsWith(':2')) {
        mark('rolloutStart');
        if (primary.rolloutState === 'COMPLETED') mark('rolloutEnd');
      }
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      const span = (a: string, b: string) => {
        if (seen[a] === undefined || seen[b] === undefined)
          throw new Error(`the sandbox watcher missed ${a}/${b}`);
        return seen[b]! - seen[a]!;
      };
      return {
        snapshot: span('snapshotStart', 'snapshotEnd'),
        migration: span('migrationStart', 'migrationEnd'),
        rollout: span('rolloutStart', 'rolloutEnd'),
      };
    },
  };
}

async function main(): Promise<number> {
  const sb = await startTestSandbox({ timeScale: 60 });
  const rows: Row[] = [];
  try {
    // `npm run bench -- promotionRatio` runs the named scenarios only.
    const only = process.argv.slice(2);
    const all = [detectionLatency, callsPerMinute, wallTimeRatio, promotionRatio];
    for (const scenario of all.filter((s) => only.length === 0 || only.includes(s.name))) {
      process.stderr.write(`bench: ${scenario.name}...\n`);
      rows.push(await scenario(sb));
    }
  } finally {
    await sb.stop();
  }
  const table = renderTable(
    ['metric', 'value', 'target', 'result', 'conditions'],
    rows.map((r) => [
      r.metric,
      `${r.value.toFixed(r.unit === 'x' ? 3 : 1)} ${r.unit}`,
      `<= ${r.target} ${r.unit}`,
      r.value <= r.target ? 'pass' : 'FAIL',
      r.detail,
    ]),
  );
  process.stdout.write(`${table}\n`);
  return rows.every((r) => r.value <= r.target) ? 0 : 1;
}

process.exitCode = await main();
