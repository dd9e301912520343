/**
 * The rollback branch: the release failed after UpdateService. Each service goes
 * back to its previous revision (ECS's own circuit-breaker rollback where it is
 * already under way, else an UpdateService of ferry's), and the old version must
 * answer its health checks. Restored: exit 1. Not restored: exit 3, with what to do.
 */
import type { FerryConfig } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { type Deps, pollContext, type StepTimer, warn } from './context.ts';
import type { Observers } from './observe.ts';
import type { Plan, ServicePlan } from './plan.ts';
import { errorText, retryTransient } from './poll.ts';
import type { ReleaseResult } from './release-types.ts';
import { type Failure, startRollout, waitForEcsRollback, watchRollout } from './rollout.ts';
import { probeVersion } from './verify.ts';
import { healthSettings, healthUrl } from './verify-release.ts';

export interface RestoreInput {
  plan: Plan;
  steps: StepTimer;
  /** Why the release failed. */
  reason: string;
  failures: Failure[];
  /** The revision each service was being moved to (the release's). */
  targets: Map<string, string>;
  timeoutMs: number;
  health: FerryConfig['health'];
  observers: Observers;
  /** Services whose UpdateService never happened: nothing to undo there. */
  untouched: string[];
  base: { digest: string; snapshotId?: string };
}

type ServiceOutcome = { service: string; ok: true } | { service: string; ok: false; problem: string };

export async function restore(deps: Deps, input: RestoreInput): Promise<ReleaseResult> {
  const { plan } = input;
  const step = input.steps.start('rollback');
  warn(deps, `release failed: ${input.reason}; rolling back`);
  // Every service the release changed goes back, not only the one that failed. Services whose
  // UpdateService failed were not changed, but that is a claim to check too.
  const touched = plan.services.filter((s) => !input.untouched.includes(s.name));
  const outcomes = await Promise.all(
    plan.services.map((s) =>
      input.untouched.includes(s.name) ? checkUntouched(deps, input, s) : restoreService(deps, input, s),
    ),
  );
  const problems = outcomes.filter((o): o is Extract<ServiceOutcome, { ok: false }> => !o.ok);
  const snapshotLine = input.base.snapshotId
    ? [`database snapshot taken before the migration: ${input.base.snapshotId}`]
    : [];
  if (problems.length === 0) {
    step.done(
      `back on ${plan.previousSha ?? 'the previous revision'}${touched.length > 1 ? ` (${touched.map((s) => s.name).join(', ')})` : ''}`,
    );
    return {
      ...input.base,
      outcome: 'rolled_back',
      exitCode: ExitCode.ReleaseFailed,
      ...firstTarget(input),
      reason: `${input.reason}; rolled back to the previous revision, which answers its health checks`,
      next: [...snapshotLine, 'the database was not rolled back (migrations are expand/contract)'],
    };
  }
  const what = problems.map((p) => `${p.service}: ${p.problem}`).join('; ');
  step.failed(what);
  return {
    ...input.base,
    outcome: 'failed',
    exitCode: ExitCode.NeedsPerson,
    ...firstTarget(input),
    reason: `${input.reason}; the rollback did not restore the service (${what})`,
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

const firstTarget = (input: RestoreInput) => {
  const arn = input.targets.get(input.plan.services[0]!.name);
  return arn ? { taskDefinitionArn: arn } : {};
};

/** A service ferry never changed: it must still run the previous revision, and that must answer. */
async function checkUntouched(
  deps: Deps,
  input: RestoreInput,
  service: ServicePlan,
): Promise<ServiceOutcome> {
  const snapshot = await retryTransient(pollContext(deps), `service ${service.name}`, () =>
    deps.ports.ecs.describeService(input.plan.cluster, service.name),
  ).catch((err: unknown) => errorText(err));
  if (typeof snapshot === 'string')
    return { service: service.name, ok: false, problem: `cannot read the service: ${snapshot}` };
  const primary = snapshot.deployments.find((d) => d.status === 'PRIMARY');
  const failed = input.targets.get(service.name);
  if (primary?.taskDefinitionArn === failed)
    return { service: service.name, ok: false, problem: `it runs the failed revision ${failed}` };
  return probeOld(deps, input, service);
}

async function probeOld(deps: Deps, input: RestoreInput, service: ServicePlan): Promise<ServiceOutcome> {
  // Without a load balancer the completed ECS deployment is the service's health.
  if (!service.baseUrl) return { service: service.name, ok: true };
  const settings = healthSettings(input.health);
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
  input: RestoreInput,
  service: ServicePlan,
): Promise<ServiceOutcome> {
  const { plan } = input;
  const failure = input.failures.find((f) => f.service === service.name);
  const targetArn = input.targets.get(service.name)!;
  let back = false;
  if (failure?.ecsRollingBack) {
    const ecs = await waitForEcsRollback(
      deps,
      plan.cluster,
      service.name,
      targetArn,
      input.timeoutMs,
      input.observers,
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
    const watched = await watchRollout(deps, plan.cluster, started.started, input.timeoutMs, input.observers);
    if (watched.state !== 'completed') {
      const why =
        watched.state === 'failed'
          ? watched.failures.map((f) => f.reason).join('; ')
          : 'did not complete in time';
      return { service: service.name, ok: false, problem: `the rollback deployment ${why}` };
    }
  }
  return probeOld(deps, input, service);
}
