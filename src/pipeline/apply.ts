/**
 * Apply: everything the plan says, under the lock, in order: copy the image (a
 * promotion) and snapshot the database together, register the revisions, run
 * the migration, update the services, watch the rollout and verify the new
 * version. A failure after UpdateService takes the rollback branch
 * (rollback-branch.ts). Each step returns a result when the run ends there, and
 * undefined to go on.
 */
import { ExitCode } from '../errors.ts';
import { type Deps, info } from './context.ts';
import { runMigration } from './migrate.ts';
import { Observers } from './observe.ts';
import { errorText } from './poll.ts';
import { ImageCopyError } from './port-errors.ts';
import type { TaskDefinitionSnapshot } from './ports.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './request.ts';
import { ensureRevisions } from './revision.ts';
import { type RollbackContext, rollBack } from './rollback-branch.ts';
import { startRollout, watchRollout } from './rollout.ts';
import { takeSnapshot } from './snapshot.ts';
import { verifyRelease } from './verify-release.ts';
import { fence } from './wrap-up.ts';

/** What every result of the run carries: the image, and the snapshot when one was taken. */
const base = (state: RunState) => ({
  digest: state.plan.digest,
  ...(state.snapshotId ? { snapshotId: state.snapshotId } : {}),
});

/** Everything between taking and releasing the lock. */
export async function carryOut(deps: Deps, req: ReleaseRequest, state: RunState): Promise<ReleaseResult> {
  const { plan, steps } = state;
  const observers = new Observers(
    deps,
    plan.cluster,
    new Map(plan.services.map((s) => [s.name, s.knownEventIds])),
  );

  // One fence for both: the copy and the snapshot start together.
  await fence(deps, state);
  const prepared = await copyAndSnapshotPhase(deps, req, state);
  if (prepared) return prepared;

  await fence(deps, state);
  const revisions = await steps.run(
    'register',
    () => ensureRevisions(deps, plan),
    (r) => [...new Set([...r.values()].map((d) => d.arn))].join(', '),
  );
  const targets = new Map([...revisions].map(([service, def]) => [service, def.arn]));
  const first = revisions.get(plan.services[0]!.name)!;
  state.revisions = targets;
  state.taskDefinitionArn = first.arn;

  await fence(deps, state);
  const migrationFailed = await migratePhase(deps, state, first);
  if (migrationFailed) return migrationFailed;

  await fence(deps, state);
  const context = { req, state, targets, observers };
  const rolledBack = await rolloutPhase(deps, context);
  if (rolledBack) return rolledBack;

  const verify = steps.start('verify');
  const verified = await verifyRelease(deps, plan, targets, req.config.health);
  if (!verified.ok) {
    verify.failed(verified.reason);
    return rollBack(deps, context, { reason: verified.reason, failures: [], untouched: [] });
  }
  verify.done();
  info(deps, `${req.env} runs ${plan.sha} (${plan.image})`);
  return {
    ...base(state),
    outcome: 'deployed',
    exitCode: ExitCode.Ok,
    taskDefinitionArn: first.arn,
  };
}

/** Promotion only: copy the source's exact image into this environment's repository, then check its digest. */
async function copyPhase(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
): Promise<ReleaseResult | undefined> {
  const { plan, steps } = state;
  const from = plan.promotion?.from;
  if (!from) return undefined;
  const copier = deps.copier;
  if (!copier) throw new Error('a promotion needs an image copier in the pipeline deps');
  const step = steps.start('copy-image');
  const repo = req.descriptor.repository.name;
  const fail = (reason: string, hints: readonly string[] = []): ReleaseResult => {
    step.failed(reason);
    const next = [`the service was not changed; fix the cause and run the promotion again`, ...hints];
    return { ...base(state), outcome: 'failed', exitCode: ExitCode.ReleaseFailed, reason, next };
  };
  let detail: string;
  try {
    ({ detail } = await copier.copy(plan.digest, plan.sha, deps.signal));
  } catch (err) {
    if (deps.signal.aborted) throw err;
    return fail(
      `copying ${plan.digest} from ${from} into ${repo}: ${errorText(err)}`,
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
async function copyAndSnapshotPhase(
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

async function snapshotPhase(
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

async function migratePhase(
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
async function rolloutPhase(deps: Deps, context: RollbackContext): Promise<ReleaseResult | undefined> {
  const { req, state, targets, observers } = context;
  const { plan, steps } = state;
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
    return rollBack(deps, context, { reason, failures: [], untouched: rollout.errors.map((e) => e.service) });
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
  return rollBack(deps, context, {
    reason,
    failures: watched.state === 'failed' ? watched.failures : [],
    untouched: [],
  });
}
