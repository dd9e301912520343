/**
 * The release runbook, top to bottom:
 * resolve -> lock -> snapshot -> register -> migrate -> deploy -> watch -> verify -> record -> unlock,
 * with the rollback branch (restore.ts) taken explicitly when the rollout or the
 * verification fails. `ferry deploy` and `ferry rollback` both run it.
 */
import { ExitCode, isFerryError } from '../errors.ts';
import { type Deps, info, StepTimer, warn } from './context.ts';
import { releaseLock } from './lock.ts';
import { Observers } from './observe.ts';
import { copyPhase, migratePhase, rollbackBranch, rolloutPhase, snapshotPhase } from './phases.ts';
import { describePlan, type Plan } from './plan.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './release-types.ts';
import { resolvePlan } from './resolve.ts';
import { ensureRevision } from './revision.ts';
import { verifyRelease } from './verify-release.ts';
import { finish, record, surprise, takeLock } from './wrap-up.ts';

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
  deps.emit({
    type: 'plan',
    env: req.env,
    sha: plan.sha,
    digest: plan.digest,
    image: plan.image,
    lines: describePlan(plan),
  });
  if (req.dryRun) {
    return finish(deps, req, { outcome: 'ok', exitCode: ExitCode.Ok, digest: plan.digest, dryRun: true });
  }

  const actor =
    req.actor ??
    (await deps.ports.identity.whoAmI().then(
      (id) => id.arn,
      () => req.owner,
    ));
  const refused = await takeLock(deps, req, plan, steps);
  if (refused) return finish(deps, req, refused);

  const state: RunState = { plan, steps, migrationStarted: false, deployStarted: false };
  let result: ReleaseResult;
  try {
    result = await carryOut(deps, req, state);
  } catch (err) {
    result = await surprise(deps, state, err);
  }
  await record(deps, req, state, result, actor, startedAt);
  const unlock = steps.start('unlock');
  const released = await releaseLock(deps.ports.parameters, { app: plan.app, env: req.env }, req.runId).catch(
    () => false,
  );
  if (released) unlock.done();
  else {
    unlock.failed('lock not released');
    warn(deps, `the lock may still be held: check with ferry lock status ${req.env}`);
  }
  return finish(deps, req, result);
}

/** Everything between taking and releasing the lock. */
async function carryOut(deps: Deps, req: ReleaseRequest, state: RunState): Promise<ReleaseResult> {
  const { plan, steps } = state;
  const observers = new Observers(
    deps,
    plan.cluster,
    new Map(plan.services.map((s) => [s.name, s.knownEventIds])),
  );

  const copyFailed = await copyPhase(deps, req, state);
  if (copyFailed) return copyFailed;

  const snapshotFailed = await snapshotPhase(deps, req, state);
  if (snapshotFailed) return snapshotFailed;

  const revision = await steps.run(
    'register',
    () => ensureRevision(deps, plan),
    (r) => r.arn,
  );
  state.taskDefinitionArn = revision.arn;

  const migrationFailed = await migratePhase(deps, state, revision);
  if (migrationFailed) return migrationFailed;

  const rolledBack = await rolloutPhase(deps, req, state, revision.arn, observers);
  if (rolledBack) return rolledBack;

  const verify = steps.start('verify');
  const verified = await verifyRelease(deps, plan, revision.arn, req.config.health);
  if (!verified.ok) {
    verify.failed(verified.reason);
    return rollbackBranch(deps, req, state, {
      reason: verified.reason,
      failures: [],
      untouched: [],
      targetArn: revision.arn,
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
    taskDefinitionArn: revision.arn,
  };
}
