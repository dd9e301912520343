/** The edges of a run under the lock: taking it, the fence, an unplanned error's exit code, the ledger record. */
import { ExitCode } from '../errors.ts';
import { type Deps, info, type StepTimer, warn } from './context.ts';
import { Lease, LockLostError } from './lease.ts';
import { recordRelease } from './ledger.ts';
import { acquireLock, describeHolder } from './lock.ts';
import type { Plan } from './plan.ts';
import { errorText, isAnswer } from './poll.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './request.ts';
import { lockParameter } from './resource-names.ts';

/**
 * How long a lock lives without renewal. A live run renews it every fifth of
 * this, so only a dead run's lock expires: this (plus the skew margin) is how
 * long a crashed run blocks the environment.
 */
export const DEFAULT_LOCK_TTL_MS = 10 * 60_000;

/** Takes the environment's lock: a renewing lease, or a result (exit 4, 2 or 130) when the run must stop here. */
export async function takeLock(
  deps: Deps,
  req: ReleaseRequest,
  plan: Plan,
  steps: StepTimer,
): Promise<Lease | ReleaseResult> {
  const step = steps.start('lock');
  const where = { app: plan.app, env: req.env };
  const ttlMs = req.lockTtlMs ?? DEFAULT_LOCK_TTL_MS;
  try {
    const lock = await acquireLock(deps.ports.parameters, deps.clock, where, {
      owner: req.owner,
      runId: req.runId,
      sha: plan.sha,
      ttlMs,
    });
    if (!lock.acquired) {
      step.failed('held');
      const claimed = lock.claimedBy ? `; it is being taken over by ${describeHolder(lock.claimedBy)}` : '';
      return {
        outcome: 'aborted',
        exitCode: ExitCode.Locked,
        reason: `${req.env} is locked by ${describeHolder(lock.holder)}${claimed}`,
        next: [
          `wait for that deployment; if it is dead, its lock expires by itself, or: ferry lock release ${req.env} --force`,
        ],
      };
    }
    if (lock.tookOver) warn(deps, `took over an expired lock held by ${describeHolder(lock.tookOver)}`);
    step.done();
    const lease = new Lease(deps.ports.parameters, deps.clock, where, lock.value, ttlMs, (m) =>
      warn(deps, m),
    );
    lease.startRenewing();
    return lease;
  } catch (err) {
    step.failed(errorText(err));
    const interrupted = deps.signal.aborted;
    return {
      outcome: 'aborted',
      exitCode: interrupted ? ExitCode.Interrupted : ExitCode.Usage,
      reason: interrupted
        ? 'interrupted; nothing was changed'
        : `could not take the lock ${lockParameter(plan.app, req.env)}: ${errorText(err)}`,
      next: [`check with: ferry lock status ${req.env}`],
    };
  }
}

/**
 * The fencing check before each change: the run was not interrupted and still
 * holds its lock. Throws otherwise, so the change never happens.
 */
export async function fence(deps: Deps, state: RunState): Promise<void> {
  deps.signal.throwIfAborted();
  await state.lease?.check();
  deps.signal.throwIfAborted();
}

/** An abort or an error nobody planned for: the exit code says whether anything was changed. */
export async function unplannedErrorResult(
  deps: Deps,
  state: RunState,
  err: unknown,
): Promise<ReleaseResult> {
  const touched = state.migrationStarted || state.deployStarted;
  const stoppedTask = state.interruptedMigration;
  const where = state.deployStarted
    ? 'UpdateService was issued: ECS continues the rollout on its own (circuit breaker with rollback on)'
    : stoppedTask
      ? stoppedTask.stopped
        ? `the migration task ${stoppedTask.taskArn} was stopped (StopTask) and is STOPPED; the service was not changed`
        : `the migration task ${stoppedTask.taskArn} may still be running (${stoppedTask.detail}); the service was not changed`
      : state.migrationStarted
        ? 'the migration task was started and may still be running'
        : 'the service was not changed';
  const common = {
    digest: state.plan.digest,
    ...(state.snapshotId ? { snapshotId: state.snapshotId } : {}),
    ...(state.taskDefinitionArn ? { taskDefinitionArn: state.taskDefinitionArn } : {}),
  };
  const next = [
    where,
    `see the state with: ferry status ${state.plan.env}`,
    ...(state.snapshotId ? [`database snapshot: ${state.snapshotId}`] : []),
  ];
  if (err instanceof LockLostError) {
    if (state.deployStarted) await printServices(deps, state.plan);
    return { ...common, outcome: 'failed', exitCode: ExitCode.NeedsPerson, reason: err.message, next };
  }
  if (deps.signal.aborted) {
    if (state.deployStarted) await printServices(deps, state.plan);
    return { ...common, outcome: 'aborted', exitCode: ExitCode.Interrupted, reason: 'interrupted', next };
  }
  const reason = errorText(err);
  // AWS refused (denied, invalid, not found) before anything ran: a fix to make, not a failed release.
  if (!touched && isAnswer(err))
    return {
      ...common,
      outcome: 'aborted',
      exitCode: ExitCode.Usage,
      reason: `${reason}; nothing was changed`,
      next: [
        ...next,
        'fix the cause (the IAM policy of the role ferry runs as, or the descriptor) and run again',
      ],
    };
  if (!touched) return { ...common, outcome: 'failed', exitCode: ExitCode.ReleaseFailed, reason, next };
  return {
    ...common,
    outcome: 'failed',
    exitCode: ExitCode.NeedsPerson,
    reason: `state unknown: ${reason}`,
    next,
  };
}

/** The state an interrupted run leaves behind, one DescribeServices per service (best effort). */
async function printServices(deps: Deps, plan: Plan): Promise<void> {
  await Promise.all(
    plan.services.map(async (s) => {
      const snapshot = await deps.ports.ecs.describeService(plan.cluster, s.name).catch(() => undefined);
      for (const d of snapshot?.deployments ?? []) {
        info(
          deps,
          `${s.name}: ${d.status} ${d.taskDefinitionArn} ${d.rolloutState ?? ''} running ${d.runningCount}/${d.desiredCount}`,
        );
      }
    }),
  );
}

/** One ledger entry for every run that got the lock, whatever its outcome. */
export async function record(
  deps: Deps,
  req: ReleaseRequest,
  state: RunState,
  result: ReleaseResult,
  actor: string,
  startedAt: Date,
): Promise<void> {
  const step = state.steps.start('record');
  const promotion = state.plan.promotion;
  try {
    await recordRelease(deps.ports.parameters, state.plan.app, req.env, {
      kind: state.plan.recordKind,
      sha: state.plan.sha,
      digest: state.plan.digest,
      taskDefinitionArn: state.taskDefinitionArn ?? null,
      previousTaskDefinitionArn: state.plan.services[0]?.previousTaskDefinitionArn ?? null,
      snapshotId: state.snapshotId ?? null,
      outcome: result.outcome === 'ok' ? 'deployed' : result.outcome,
      actor,
      startedAt: startedAt.toISOString(),
      finishedAt: deps.clock.now().toISOString(),
      steps: state.steps.timings.filter((t) => t.name !== 'record'),
      services: state.plan.services.map((s) => ({
        name: s.name,
        taskDefinitionArn: state.revisions?.get(s.name) ?? null,
        previousTaskDefinitionArn: s.previousTaskDefinitionArn ?? null,
      })),
      ...(promotion
        ? {
            promotion: {
              from: promotion.from,
              sourceCheck: promotion.sourceCheck === 'run' && deps.source ? 'passed' : 'skipped',
            },
          }
        : {}),
      ...(state.plan.committedAt ? { committedAt: state.plan.committedAt } : {}),
      ...(state.plan.skippedPromotion ? { skippedPromotion: true as const } : {}),
    });
    step.done();
  } catch (err) {
    step.failed(errorText(err));
    warn(deps, `the release was not recorded in the ledger: ${errorText(err)}`);
  }
}
