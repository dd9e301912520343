/**
 * The release runbook, top to bottom, for deploy, rollback and promote alike:
 *
 *   read (readReleaseState) -> plan (planRelease, pure) -> source check (a promotion)
 *   -> lock -> apply (carryOut: copy | snapshot, register, migrate, deploy, watch, verify,
 *   or the rollback branch) -> record -> unlock -> finish
 *
 * Every outcome, a refusal before the lock included, ends in `finish()`: one
 * result event, so `--json`, the terminal and the GitHub summary agree.
 */

import type { FerryConfig } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { carryOut } from './apply.ts';
import { type Deps, info, StepTimer, warn } from './context.ts';
import { finish, type ResultSubject, refusedBeforeChange } from './finish.ts';
import { Lease } from './lease.ts';
import { describePlan, isRefusal, planRelease, refusalResult, refuseRequest } from './plan.ts';
import { type ReleaseState, readReleaseState } from './read.ts';
import type { ReleaseAsk, ReleaseRequest, ReleaseResult, RunState } from './request.ts';
import { sourceGate } from './source-gate.ts';
import { record, takeLock, unplannedErrorResult } from './wrap-up.ts';

export type { ReleaseRequest, ReleaseResult } from './request.ts';

export async function runRelease(deps: Deps, req: ReleaseRequest): Promise<ReleaseResult> {
  const steps = new StepTimer(deps);
  const startedAt = deps.clock.now();
  const subject: ResultSubject = subjectOf(req);
  const end = (result: ReleaseResult) => finish(deps.emit, subject, result);

  const early = refuseRequest(req);
  if (early) return end(refusalResult(early));

  let state: ReleaseState;
  try {
    state = await steps.run('resolve', () => readReleaseState(deps, req));
  } catch (err) {
    const refused = refusedBeforeChange(err, deps.signal.aborted);
    if (!refused) throw err;
    return end(refused);
  }
  subject.sha = state.sha;

  const decision = planRelease(state);
  for (const note of decision.notes) deps.emit(note);
  if (isRefusal(decision)) return end(refusalResult(decision));
  const plan = decision;
  if (plan.nothingToDo) {
    info(deps, plan.nothingToDo);
    return end({
      outcome: 'ok',
      exitCode: ExitCode.Ok,
      digest: plan.digest,
      reason: `${plan.nothingToDo}; nothing was changed`,
    });
  }
  deps.emit({
    type: 'plan',
    env: req.env,
    sha: plan.sha,
    digest: plan.digest,
    image: plan.image,
    lines: describePlan(plan),
  });
  const unhealthy = await sourceGate(deps, plan, steps, req.config.health);
  if (unhealthy) return end(unhealthy);
  if (req.dryRun) return end({ outcome: 'ok', exitCode: ExitCode.Ok, digest: plan.digest, dryRun: true });

  const actor =
    req.actor ??
    (await deps.ports.identity.whoAmI().then(
      (id) => id.arn,
      () => req.owner,
    ));
  const lease = await takeLock(deps, req, plan, steps);
  if (!(lease instanceof Lease)) return end(lease);

  const run: RunState = { plan, steps, migrationStarted: false, deployStarted: false, lease };
  let result: ReleaseResult;
  try {
    result = await carryOut(deps, req, run);
  } catch (err) {
    result = await unplannedErrorResult(deps, run, err);
  }
  await record(deps, req, run, result, actor, startedAt);
  await unlock(deps, req, run, lease);
  return end(result);
}

/** What the result is about, as far as the request says; the read fills in the SHA. */
export function subjectOf(
  req: ReleaseAsk & Pick<ReleaseRequest, 'env'> & { config?: Pick<FerryConfig, 'environments'> },
): ResultSubject {
  const sha = req.kind === 'rollback' ? req.to : req.sha;
  return {
    env: req.env,
    kind: req.kind,
    ...(sha ? { sha } : {}),
    ...(req.kind === 'deploy' && req.skipPromotion && req.config?.environments[req.env]?.promoteFrom
      ? { skippedPromotion: true }
      : {}),
  };
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
