import { Writable } from 'node:stream';
import { createReporter, type OutputMode, type Reporter } from '../../../src/cli/render/index.ts';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import { readRuntime } from '../../../src/runtime.ts';

/** A stream that keeps what was written, chunk by chunk. */
export class FakeStream extends Writable {
  readonly chunks: string[] = [];
  columns: number | undefined;
  rows: number | undefined;

  constructor(columns?: number, rows?: number) {
    super();
    this.columns = columns;
    this.rows = rows;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    // close() flushes with an empty write; only real output counts.
    if (chunk.length > 0) this.chunks.push(chunk.toString('utf8'));
    callback();
  }

  get text(): string {
    return this.chunks.join('');
  }

  get lines(): string[] {
    return this.text.split('\n').filter((line) => line !== '');
  }
}

export const START = Date.parse('2026-11-22T23:10:00Z');
export const SHA = '1a2b3c4';
export const DIGEST = 'sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
export const SNAPSHOT = 'ferry-staging-1a2b3c4-20261122231000';
export const TITLE = `deploy shop staging ${SHA}`;

const step = (
  name: Extract<FerryEvent, { type: 'step' }>['step'],
  status: Extract<FerryEvent, { type: 'step' }>['status'],
  elapsedMs = 0,
  detail?: string,
): FerryEvent => ({ type: 'step', step: name, status, elapsedMs, ...(detail ? { detail } : {}) });

const rolling = (newRunning: number, failed = 0, rolloutState = 'IN_PROGRESS'): FerryEvent => ({
  type: 'progress',
  service: 'shop-staging-web',
  deployments: [
    {
      id: 'ecs-svc/2',
      role: 'new',
      status: 'PRIMARY',
      rolloutState,
      running: newRunning,
      pending: 2 - newRunning,
      desired: 2,
      failed,
    },
    {
      id: 'ecs-svc/1',
      role: 'old',
      status: 'ACTIVE',
      rolloutState: 'COMPLETED',
      running: 2,
      pending: 0,
      desired: 2,
      failed: 0,
    },
  ],
});

const prelude: FerryEvent[] = [
  step('resolve', 'start'),
  step('resolve', 'done', 850),
  step('lock', 'start'),
  step('lock', 'done', 120),
  step('snapshot', 'start'),
  step('snapshot', 'done', 12_300),
  step('register', 'start'),
  step('register', 'done', 300),
  step('migrate', 'start'),
  { type: 'migration_log', message: 'applied 0042_add_orders_index', timestamp: '2026-11-22T23:10:20Z' },
  step('migrate', 'done', 41_000),
  step('deploy', 'start'),
  step('deploy', 'done', 900),
  step('watch', 'start'),
  rolling(0),
  rolling(0),
];

export const happyDeploy: FerryEvent[] = [
  ...prelude,
  {
    type: 'service_event',
    service: 'shop-staging-web',
    message: '(service shop-staging-web) has started 2 tasks',
    createdAt: '2026-11-22T23:10:31Z',
    failure: false,
  },
  rolling(1),
  rolling(2, 0, 'COMPLETED'),
  step('watch', 'done', 95_000),
  step('verify', 'start'),
  { type: 'health', url: 'http://shop-staging/health', ok: true, status: 200, version: SHA, consecutive: 1 },
  { type: 'health', url: 'http://shop-staging/health', ok: true, status: 200, version: SHA, consecutive: 2 },
  { type: 'health', url: 'http://shop-staging/health', ok: true, status: 200, version: SHA, consecutive: 3 },
  step('verify', 'done', 20_500),
  step('record', 'start'),
  step('record', 'done', 200),
  step('unlock', 'start'),
  step('unlock', 'done', 90),
  {
    type: 'result',
    outcome: 'deployed',
    exitCode: 0,
    env: 'staging',
    sha: SHA,
    digest: DIGEST,
    snapshotId: SNAPSHOT,
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:42',
  },
];

export const rolledBackDeploy: FerryEvent[] = [
  ...prelude,
  rolling(0, 2),
  {
    type: 'task_stopped',
    service: 'shop-staging-web',
    taskArn: 'arn:aws:ecs:eu-west-1:111111111111:task/shop-staging/0a1b2c',
    stopCode: 'TaskFailedToStart',
    reason: 'CannotPullContainerError: pull image manifest has been retried 5 time(s)',
  },
  {
    type: 'service_event',
    service: 'shop-staging-web',
    message: '(service shop-staging-web) (deployment ecs-svc/2) deployment failed: tasks failed to start.',
    createdAt: '2026-11-22T23:11:02Z',
    failure: true,
  },
  {
    type: 'service_event',
    service: 'shop-staging-web',
    message: '(service shop-staging-web) rolling back to deployment ecs-svc/1.',
    createdAt: '2026-11-22T23:11:03Z',
    failure: true,
  },
  rolling(0, 2, 'FAILED'),
  step('watch', 'failed', 61_000, 'circuit breaker rolled the deployment back'),
  step('verify', 'start'),
  {
    type: 'health',
    url: 'http://shop-staging/health',
    ok: true,
    status: 200,
    version: '0ffee12',
    consecutive: 1,
  },
  step('verify', 'done', 5_000, 'the previous version answers'),
  step('record', 'start'),
  step('record', 'done', 200),
  step('unlock', 'start'),
  step('unlock', 'done', 90),
  {
    type: 'result',
    outcome: 'rolled_back',
    exitCode: 1,
    env: 'staging',
    sha: SHA,
    digest: DIGEST,
    snapshotId: SNAPSHOT,
    reason: 'the deployment circuit breaker rolled back: CannotPullContainerError',
  },
];

export const brokenRollback: FerryEvent[] = [
  ...prelude,
  rolling(2, 0, 'COMPLETED'),
  step('watch', 'done', 60_000),
  step('verify', 'start'),
  {
    type: 'health',
    url: 'http://shop-staging/health',
    ok: false,
    status: 503,
    consecutive: 0,
    error: 'unhealthy: expected 200',
  },
  step('verify', 'failed', 300_000, 'health check timed out'),
  step('rollback', 'start'),
  { type: 'log', level: 'error', message: 'rollback deployment ecs-svc/3 did not complete: tasks stopped' },
  step('rollback', 'failed', 600_000, 'the previous version does not answer'),
  step('unlock', 'start'),
  step('unlock', 'done', 90),
  {
    type: 'result',
    outcome: 'failed',
    exitCode: 3,
    env: 'staging',
    sha: SHA,
    digest: DIGEST,
    snapshotId: SNAPSHOT,
    reason: 'the rollback did not verify',
    next: ['ferry status staging', `restore the database from snapshot ${SNAPSHOT} if the schema changed`],
  },
];

export const sequences = { happyDeploy, rolledBackDeploy, brokenRollback };

/** A clock that moves one second per event, so timestamps are fixed and distinct. */
export function fixedClock(start = START): { now: () => Date; advance: (ms: number) => void } {
  let t = start;
  return { now: () => new Date(t), advance: (ms) => (t += ms) };
}

export interface Run {
  stdout: FakeStream;
  stderr: FakeStream;
  reporter: Reporter;
}

export function makeReporter(
  mode: OutputMode,
  opts: {
    env?: NodeJS.ProcessEnv;
    verbose?: boolean;
    color?: boolean;
    columns?: number;
    rows?: number;
    title?: string;
  } = {},
): Run & { clock: ReturnType<typeof fixedClock> } {
  const stdout = new FakeStream();
  const stderr = new FakeStream(opts.columns, opts.rows);
  const clock = fixedClock();
  const reporter = createReporter({
    mode,
    stdout,
    stderr,
    runtime: readRuntime(opts.env ?? {}),
    title: opts.title ?? TITLE,
    verbose: opts.verbose ?? false,
    now: clock.now,
    ...(opts.color !== undefined ? { color: opts.color } : {}),
  });
  return { stdout, stderr, reporter, clock };
}

/** Feeds events (one second apart) and closes the reporter. */
export async function run(
  mode: OutputMode,
  events: FerryEvent[],
  opts: Parameters<typeof makeReporter>[1] = {},
): Promise<Run> {
  const made = makeReporter(mode, opts);
  for (const event of events) {
    made.clock.advance(1000);
    made.reporter.emit(event);
  }
  await made.reporter.close();
  return made;
}

export const ANSI = /\x1b\[/;
