/**
 * The release runbook, top to bottom:
 * resolve -> (source-check) -> lock -> (copy image | snapshot) -> register -> migrate -> deploy -> watch
 * -> verify -> record -> unlock,
 * with the rollback branch (restore.ts) taken explicitly when the rollout or the
 * verification fails. `ferry deploy` and `ferry rollback` both run it.
 */
import { ExitCode, isFerryError } from '../errors.ts';
import { type Deps, info, StepTimer, warn } from './context.ts';
import { Lease } from './lease.ts';
import { Observers } from './observe.ts';
import { copyAndSnapshotPhase, migratePhase, rollbackBranch, rolloutPhase } from './phases.ts';
import { describePlan, type Plan } from './plan.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './release-types.ts';
import { resolvePlan } from './resolve.ts';
import { ensureRevisions } from './revision.ts';
import { alreadyPromoted, sourceGate } from './source-gate.ts';
import { verifyRelease } from './verify-release.ts';
import { fence, finish, record, takeLock, unplannedErrorResult } from './wrap-up.ts';

export type { ReleaseRequest, ReleaseResult } from './release-types.ts';

export async function runRelease(deps: Deps, req: ReleaseRequest): Promise<ReleaseResult> {
  const steps = new StepTimer(deps);
  const startedAt = deps.clock.now();
  let plan: Plan;
  try {
    plan = await steps.run('resolve', () => resolvePlan(deps, req));
  } catch (err) {
    if (deps.signal.aborted) {
      return finish(deps, req, {
        outcome: 'aborted',
        exitCode: ExitCode.Interrupted,
        reason: 'interrupted; nothing was changed',
      });
    }
    if (!isFerryError(err)) throw err;
    return finish(deps, req, {
      outcome: 'aborted',
      exitCode: err.exitCode,
      reason: err.message,
      next: [...err.hints],
    });
  }
  const noop = alreadyPromoted(deps, req, plan);
  if (noop) return finish(deps, req, noop);
  deps.emit({
    type: 'plan',
    env: req.env,
    sha: plan.sha,
    digest: plan.digest,
    image: plan.image,
    lines: describePlan(plan),
  });
  const unhealthy = await sourceGate(deps, req, plan, steps);
  if (unhealthy) return finish(deps, req, unhealthy);
  if (req.dryRun) {
    return finish(deps, req, { outcome: 'ok', exitCode: ExitCode.Ok, digest: plan.digest, dryRun: true });
  }

  const actor =
    req.actor ??
    (await deps.ports.identity.whoAmI().then(
      (id) => id.arn,
      () => req.owner,
    ));
  const lease = await takeLock(deps, req, plan, steps);
  if (!(lease instanceof Lease)) return finish(deps, req, lease);

  const state: RunState = { plan, steps, migrationStarted: false, deployStarted: false, lease };
  let result: ReleaseResult;
  try {
    result = await carryOut(deps, req, state);
  } catch (err) {
    result = await unplannedErrorResult(deps, state, err);
  }
  await record(deps, req, state, result, actor, startedAt);
  await unlock(deps, req, state, lease);
  return finish(deps, req, result);
}

/**
 * Releases the lock on every exit path, except while a migration task this run
 * started may still be running: then the lock stays, unrenewed, until it expires.
 */
async function unlock(deps: Deps, req: ReleaseRequest, state: RunState, lease: Lease): Promise<void> {
  const step = state.steps.start('unlock');
  const task = state.interruptedMigration;
  if (task && !task.stopped) {
    await lease.stopRenewing();
    step.failed('lock kept');
    warn(
      deps,
      `keeping the lock: the migration task ${task.taskArn} was not seen STOPPED (${task.detail}); the lock expires at ${lease.value.expiresAt}, or once the task has stopped: ferry lock release ${req.env} --force`,
    );
    return;
  }
  const released = await lease.release().catch(() => 'failed' as const);
  if (released === 'released') step.done();
  else if (released === 'not-ours') {
    step.failed('lock lost');
    warn(
      deps,
      `the lock was not released: ${lease.lost ?? "it is no longer this run's"}; left to its holder`,
    );
  } else {
    step.failed('lock not released');
    warn(deps, `the lock may still be held: check with ferry lock status ${req.env}`);
  }
}
/** Everything between taking and releasing the lock. */
async function carryOut(deps: Deps, req: ReleaseRequest, state: RunState): Promise<ReleaseResult> {
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
  const rolledBack = await rolloutPhase(deps, req, state, targets, observers);
  if (rolledBack) return rolledBack;

  const verify = steps.start('verify');
  const verified = await verifyRelease(deps, plan, targets, req.config.health);
  if (!verified.ok) {
    verify.failed(verified.reason);
    return rollbackBranch(deps, req, state, {
      reason: verified.reason,
      failures: [],
      untouched: [],
      targets,
      observers,
    });
  }
  verify.done();
  info(deps, `${req.env} runs ${plan.sha} (${plan.image})`);
  return {
    digest: plan.digest,
    ...(state.snapshotId ? { snapshotId: state.snapshotId } : {}),
    outcome: 'deployed',
    exitCode: ExitCode.Ok,
    taskDefinitionArn: first.arn,
  };
}
