/**
 * The runbook's longer steps. Each returns a result when the run ends there
 * (a failure, or the rollback branch), and undefined to go on.
 */
import { ExitCode } from '../errors.ts';
import type { Deps } from './context.ts';
import { runMigration } from './migrate.ts';
import type { Observers } from './observe.ts';
import { errorText } from './poll.ts';
import { ImageCopyError } from './port-errors.ts';
import type { TaskDefinitionSnapshot } from './ports.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './release-types.ts';
import { restore } from './restore.ts';
import { type Failure, startRollout, watchRollout } from './rollout.ts';
import { takeSnapshot } from './snapshot.ts';
import { fence } from './wrap-up.ts';

const base = (state: RunState) => ({
  digest: state.plan.digest,
  ...(state.snapshotId ? { snapshotId: state.snapshotId } : {}),
});

/** Promotion only: copy the source's exact image into this environment's repository, then check its digest. */
export async function copyPhase(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
): Promise<ReleaseResult | undefined> {
  const { plan, steps } = state;
  if (!req.promotion) return undefined;
  const step = steps.start('copy-image');
  const repo = req.descriptor.repository.name;
  const fail = (reason: string, hints: readonly string[] = []): ReleaseResult => {
    step.failed(reason);
    const next = [`the service was not changed; fix the cause and run the promotion again`, ...hints];
    return { ...base(state), outcome: 'failed', exitCode: ExitCode.ReleaseFailed, reason, next };
  };
  let detail: string;
  try {
    ({ detail } = await req.promotion.copier.copy(plan.digest, plan.sha, deps.signal));
  } catch (err) {
    if (deps.signal.aborted) throw err;
    return fail(
      `copying ${plan.digest} from ${req.promotion.from} into ${repo}: ${errorText(err)}`,
      err instanceof ImageCopyError ? err.hints : [],
    );
  }
  const landed = await deps.ports.registry.findImageByTag(repo, plan.sha).catch(() => undefined);
  if (landed?.digest !== plan.digest) {
    return fail(
      `after the copy, ${repo}:${plan.sha} is ${landed?.digest ?? 'missing'}, not ${plan.digest}; nothing was deployed`,
    );
  }
  step.done(detail);
  return undefined;
}

/**
 * Promotion's copy and the database snapshot do not depend on each other, so
 * the critical path is the longer of the two. Both always finish before the run
 * goes on or stops: a failure of either stops it before the migration.
 */
export async function copyAndSnapshotPhase(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
): Promise<ReleaseResult | undefined> {
  const [copied, snapped] = await Promise.allSettled([
    copyPhase(deps, req, state),
    snapshotPhase(deps, req, state),
  ]);
  if (copied.status === 'rejected') throw copied.reason;
  if (snapped.status === 'rejected') throw snapped.reason;
  const failed = copied.value ?? snapped.value;
  if (!failed) return undefined;
  const id = state.snapshotId;
  const mentioned = failed.next?.some((line) => id && line.includes(id));
  return {
    ...failed,
    ...base(state),
    next: [...(failed.next ?? []), ...(id && !mentioned ? [`database snapshot taken: ${id}`] : [])],
  };
}

export async function snapshotPhase(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
): Promise<ReleaseResult | undefined> {
  const { plan, steps } = state;
  if ('skip' in plan.snapshot) {
    steps.skip('snapshot', plan.snapshot.skip);
    return undefined;
  }
  const step = steps.start('snapshot');
  const { database, name } = plan.snapshot;
  const snap = await takeSnapshot(deps, {
    database,
    name,
    env: req.env,
    sha: plan.sha,
    keep: req.config.snapshots.keep,
  });
  if (!snap.ok) {
    step.failed(snap.reason);
    if (snap.id) state.snapshotId = snap.id;
    const next = [
      'the service was not changed; check the database and run the deploy again',
      ...(snap.id ? [`database snapshot (failed or late): ${snap.id}`] : []),
    ];
    return { ...base(state), outcome: 'failed', exitCode: ExitCode.ReleaseFailed, reason: snap.reason, next };
  }
  state.snapshotId = snap.id;
  step.done(snap.id);
  return undefined;
}

export async function migratePhase(
  deps: Deps,
  state: RunState,
  revision: TaskDefinitionSnapshot,
): Promise<ReleaseResult | undefined> {
  const { plan, steps } = state;
  const migration = plan.migration;
  if ('skip' in migration) {
    steps.skip('migrate', migration.skip);
    return undefined;
  }
  const step = steps.start('migrate');
  state.migrationStarted = true;
  const ran = await runMigration(deps, {
    cluster: plan.cluster,
    taskDefinitionArn: revision.arn,
    container: migration.container,
    command: migration.command,
    network: plan.network,
    timeoutMs: migration.timeoutMs,
    logs: revision.containers.find((c) => c.name === migration.container)?.logs,
    startedBy: `ferry-${plan.sha.slice(0, 7)}`,
  });
  if (ran.ok) {
    step.done();
    return undefined;
  }
  step.failed(ran.reason);
  if (ran.stop && ran.taskArn) state.interruptedMigration = { taskArn: ran.taskArn, ...ran.stop };
  if (ran.interrupted) deps.signal.throwIfAborted();
  return {
    ...base(state),
    outcome: 'failed',
    exitCode: ExitCode.ReleaseFailed,
    reason: ran.reason,
    taskDefinitionArn: revision.arn,
    next: [
      `the service was not changed${state.snapshotId ? `; the database snapshot taken before the migration is ${state.snapshotId}` : ''}`,
      ...(ran.taskArn ? [`migration task: ${ran.taskArn}`] : []),
      ...(ran.next ?? []),
    ],
  };
}

/** UpdateService on every service at once, then the watch; a failure takes the rollback branch. */
export async function rolloutPhase(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
  targets: Map<string, string>,
  observers: Observers,
): Promise<ReleaseResult | undefined> {
  const { plan, steps } = state;
  const rollBack = (reason: string, failures: Failure[], untouched: string[] = []) =>
    rollbackBranch(deps, req, state, { reason, failures, untouched, targets, observers });
  if (plan.services.every((s) => s.converged)) {
    steps.skip('deploy', 'every service already runs this release');
    steps.skip('watch', 'every service already runs this release');
    return undefined;
  }
  const deploy = steps.start('deploy');
  state.deployStarted = true;
  const rollout = await startRollout(
    deps,
    plan.cluster,
    plan.services.map((s) => ({ service: s.name, targetArn: targets.get(s.name)! })),
  );
  if (rollout.errors.length) {
    const reason = rollout.errors.map((e) => `${e.service}: ${e.reason}`).join('; ');
    deploy.failed(reason);
    return rollBack(
      reason,
      [],
      rollout.errors.map((e) => e.service),
    );
  }
  deploy.done(rollout.started.map((t) => `${t.service} ${t.deploymentId}`).join(', '));

  const watch = steps.start('watch');
  const watched = await watchRollout(deps, plan.cluster, rollout.started, req.timeoutMs, observers);
  if (watched.state === 'completed') {
    watch.done();
    return undefined;
  }
  const reason =
    watched.state === 'failed'
      ? watched.failures.map((f) => `${f.service}: ${f.reason}`).join('; ')
      : `the rollout of ${watched.pending.join(', ')} did not complete within ${Math.round(req.timeoutMs / 1000)}s`;
  watch.failed(reason);
  return rollBack(reason, watched.state === 'failed' ? watched.failures : []);
}

export async function rollbackBranch(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
  what: {
    reason: string;
    failures: Failure[];
    untouched: string[];
    targets: Map<string, string>;
    observers: Observers;
  },
): Promise<ReleaseResult> {
  // Rolling back is a change too: only the lock's holder may make it.
  await fence(deps, state);
  return restore(deps, {
    plan: state.plan,
    steps: state.steps,
    reason: what.reason,
    failures: what.failures,
    targets: what.targets,
    timeoutMs: req.timeoutMs,
    health: req.config.health,
    observers: what.observers,
    untouched: what.untouched,
    base: base(state),
  });
}
