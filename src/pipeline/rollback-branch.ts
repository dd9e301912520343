/**
 * The rollback branch, the whole of it: the release failed after UpdateService. Each service goes
 * back to its previous revision (ECS's own circuit-breaker rollback where it is
 * already under way, else an UpdateService of ferry's), and the old version must
 * answer its health checks. Restored: exit 1. Not restored: exit 3, with what to do.
 */
import { ExitCode } from '../errors.ts';
import { type Deps, pollContext, warn } from './context.ts';
import type { Observers } from './observe.ts';
import type { ServicePlan } from './plan.ts';
import { errorText, retryTransient } from './poll.ts';
import type { ReleaseRequest, ReleaseResult, RunState } from './request.ts';
import { type Failure, startRollout, waitForEcsRollback, watchRollout } from './rollout.ts';
import { probeVersion } from './verify.ts';
import { healthSettings, healthUrl } from './verify-release.ts';
import { fence } from './wrap-up.ts';

/** Why the release is being rolled back: the one input the branch takes besides the run. */
export interface RollbackCause {
  reason: string;
  /** The services whose rollout failed, and whether ECS's circuit breaker is already rolling each back. */
  failures: Failure[];
  /** Services whose UpdateService never happened: nothing to undo there, but a claim to check. */
  untouched: string[];
}

/** The run the branch belongs to: its request and progress, each service's new revision, the event watcher. */
export interface RollbackContext {
  req: ReleaseRequest;
  state: RunState;
  /** The revision each service was being moved to (the release's). */
  targets: Map<string, string>;
  observers: Observers;
}

type ServiceOutcome = { service: string; ok: true } | { service: string; ok: false; problem: string };

export async function rollBack(
  deps: Deps,
  context: RollbackContext,
  cause: RollbackCause,
): Promise<ReleaseResult> {
  const { plan, steps } = context.state;
  // Rolling back is a change too: only the lock's holder may make it.
  await fence(deps, context.state);
  const step = steps.start('rollback');
  warn(deps, `release failed: ${cause.reason}; rolling back`);
  // Every service the release changed goes back, not only the one that failed. Services whose
  // UpdateService failed were not changed, but that is a claim to check too.
  const touched = plan.services.filter((s) => !cause.untouched.includes(s.name));
  const outcomes = await Promise.all(
    plan.services.map((s) =>
      cause.untouched.includes(s.name)
        ? checkUntouched(deps, context, s)
        : restoreService(deps, context, s, cause.failures),
    ),
  );
  const problems = outcomes.filter((o): o is Extract<ServiceOutcome, { ok: false }> => !o.ok);
  const snapshotId = context.state.snapshotId;
  const base = { digest: plan.digest, ...(snapshotId ? { snapshotId } : {}), ...firstTarget(context) };
  const snapshotLine = snapshotId ? [`database snapshot taken before the migration: ${snapshotId}`] : [];
  if (problems.length === 0) {
    step.done(
      `back on ${plan.previousSha ?? 'the previous revision'}${touched.length > 1 ? ` (${touched.map((s) => s.name).join(', ')})` : ''}`,
    );
    return {
      ...base,
      outcome: 'rolled_back',
      exitCode: ExitCode.ReleaseFailed,
      reason: `${cause.reason}; rolled back to the previous revision, which answers its health checks`,
      next: [...snapshotLine, 'the database was not rolled back (migrations are expand/contract)'],
    };
  }
  const what = problems.map((p) => `${p.service}: ${p.problem}`).join('; ');
  step.failed(what);
  return {
    ...base,
    outcome: 'failed',
    exitCode: ExitCode.NeedsPerson,
    reason: `${cause.reason}; the rollback did not restore the service (${what})`,
    next: [
      `look now: ferry status ${plan.env}, and the service's events in the ECS console`,
      `to retry the rollback: ferry rollback ${plan.env}`,
      ...problems.flatMap((p) => {
        const s = plan.services.find((x) => x.name === p.service);
        return s?.previousTaskDefinitionArn
          ? [
              `or by hand: aws ecs update-service --cluster ${plan.cluster} --service ${p.service} --task-definition ${s.previousTaskDefinitionArn}`,
            ]
          : [];
      }),
      ...snapshotLine,
    ],
  };
}

const firstTarget = (context: RollbackContext) => {
  const arn = context.targets.get(context.state.plan.services[0]!.name);
  return arn ? { taskDefinitionArn: arn } : {};
};

/** A service ferry never changed: it must still run the previous revision, and that must answer. */
async function checkUntouched(
  deps: Deps,
  context: RollbackContext,
  service: ServicePlan,
): Promise<ServiceOutcome> {
  const snapshot = await retryTransient(pollContext(deps), `service ${service.name}`, () =>
    deps.ports.ecs.describeService(context.state.plan.cluster, service.name),
  ).catch((err: unknown) => errorText(err));
  if (typeof snapshot === 'string')
    return { service: service.name, ok: false, problem: `cannot read the service: ${snapshot}` };
  const primary = snapshot.deployments.find((d) => d.status === 'PRIMARY');
  const failed = context.targets.get(service.name);
  if (primary?.taskDefinitionArn === failed)
    return { service: service.name, ok: false, problem: `it runs the failed revision ${failed}` };
  return probeOld(deps, context, service);
}

async function probeOld(deps: Deps, context: RollbackContext, service: ServicePlan): Promise<ServiceOutcome> {
  // Without a load balancer the completed ECS deployment is the service's health.
  if (!service.baseUrl) return { service: service.name, ok: true };
  const settings = healthSettings(context.req.config.health);
  const answered = await probeVersion(
    deps,
    healthUrl(service.baseUrl, settings.path),
    service.previousSha,
    settings,
  );
  return answered.ok
    ? { service: service.name, ok: true }
    : { service: service.name, ok: false, problem: `the old version does not answer: ${answered.reason}` };
}

async function restoreService(
  deps: Deps,
  context: RollbackContext,
  service: ServicePlan,
  failures: Failure[],
): Promise<ServiceOutcome> {
  const { plan } = context.state;
  const { timeoutMs } = context.req;
  const failure = failures.find((f) => f.service === service.name);
  const targetArn = context.targets.get(service.name)!;
  let back = false;
  if (failure?.ecsRollingBack) {
    const ecs = await waitForEcsRollback(
      deps,
      plan.cluster,
      service.name,
      targetArn,
      timeoutMs,
      context.observers,
    );
    if (ecs.state === 'failed') return { service: service.name, ok: false, problem: ecs.reason };
    if (ecs.state === 'timeout')
      return { service: service.name, ok: false, problem: 'ECS rollback did not finish in time' };
    back = ecs.state === 'done';
  }
  if (!back) {
    const previous = service.previousTaskDefinitionArn;
    if (!previous)
      return { service: service.name, ok: false, problem: 'no previous revision is known to roll back to' };
    const started = await startRollout(deps, plan.cluster, [{ service: service.name, targetArn: previous }]);
    if (started.errors.length)
      return {
        service: service.name,
        ok: false,
        problem: `UpdateService failed: ${started.errors[0]!.reason}`,
      };
    const watched = await watchRollout(deps, plan.cluster, started.started, timeoutMs, context.observers);
    if (watched.state !== 'completed') {
      const why =
        watched.state === 'failed'
          ? watched.failures.map((f) => f.reason).join('; ')
          : 'did not complete in time';
      return { service: service.name, ok: false, problem: `the rollback deployment ${why}` };
    }
  }
  return probeOld(deps, context, service);
}
