/**
 * Rolling the services and watching the rollout: UpdateService in parallel, then
 * one DescribeServices per service per poll until this release's own deployment
 * is COMPLETED, FAILED, replaced by ECS's rollback, or out of time.
 */
import { warnAboutFiringAlarms } from './alarms.ts';
import { type Deps, pollContext, warn } from './context.ts';
import type { Observers } from './observe.ts';
import { errorText, pollUntil, retryTransient } from './poll.ts';
import type { ServiceSnapshot } from './ports.ts';
import { type EcsRollbackVerdict, isRolledBackStatus, judgeEcsRollback, judgeRollout } from './verdicts.ts';

export interface RolloutTarget {
  service: string;
  deploymentId: string;
  targetArn: string;
}

const ECS_ROLLBACK_GRACE_POLLS = 3;

export type Failure = { service: string; reason: string; ecsRollingBack: boolean };

export type WatchResult =
  | { state: 'completed' }
  | { state: 'failed'; failures: Failure[] }
  | { state: 'timeout'; pending: string[] };

/** UpdateService on every service at once, each to its own revision. */
export async function startRollout(
  deps: Deps,
  cluster: string,
  services: { service: string; targetArn: string }[],
): Promise<{ started: RolloutTarget[]; errors: { service: string; reason: string }[] }> {
  await warnAboutFiringAlarms(
    deps,
    cluster,
    services.map((s) => s.service),
  );
  const settled = await Promise.allSettled(
    services.map((s) => deps.ports.ecs.updateService(cluster, s.service, s.targetArn)),
  );
  const started: RolloutTarget[] = [];
  const errors: { service: string; reason: string }[] = [];
  await Promise.all(
    settled.map(async (r, i) => {
      const { service, targetArn } = services[i]!;
      if (r.status === 'fulfilled') {
        started.push({ service, deploymentId: r.value.deploymentId, targetArn });
        return;
      }
      const applied = await appliedDespiteError(deps, cluster, service, targetArn);
      if (applied) {
        warn(
          deps,
          `${service}: UpdateService answered ${errorText(r.reason)}, but ECS applied it: following deployment ${applied}`,
        );
        started.push({ service, deploymentId: applied, targetArn });
      } else errors.push({ service, reason: errorText(r.reason) });
    }),
  );
  return { started, errors };
}

/**
 * An UpdateService that errored may still have been carried out (its response
 * was lost): the service's PRIMARY deployment tells. Returns its id when it
 * runs `targetArn`, undefined when the service is as it was (or unreadable).
 */
async function appliedDespiteError(
  deps: Deps,
  cluster: string,
  service: string,
  targetArn: string,
): Promise<string | undefined> {
  const snapshot = await retryTransient(pollContext(deps), `service ${service}`, () =>
    deps.ports.ecs.describeService(cluster, service),
  ).catch(() => undefined);
  const primary = snapshot?.deployments.find((d) => d.status === 'PRIMARY');
  return primary?.taskDefinitionArn === targetArn ? primary.id : undefined;
}

/** Watches every target until all COMPLETED, or returns at the first failure so the others can be rolled back. */
export async function watchRollout(
  deps: Deps,
  cluster: string,
  targets: RolloutTarget[],
  timeoutMs: number,
  observers: Observers,
): Promise<WatchResult> {
  const done = new Set<string>();
  const poll = pollContext(deps);
  const result = await pollUntil<WatchResult>(
    poll,
    timeoutMs,
    async () => {
      const pending = targets.filter((t) => !done.has(t.service));
      const failures: Failure[] = [];
      await Promise.all(
        pending.map(async (t) => {
          const snapshot = await retryTransient(poll, `service ${t.service}`, () =>
            deps.ports.ecs.describeService(cluster, t.service),
          );
          await observers.get(t.service)!.observe(snapshot, t.deploymentId);
          const verdict = await confirm(deps, snapshot, judgeRollout(snapshot, t.deploymentId, t.targetArn));
          if (verdict.state === 'completed') done.add(t.service);
          if (verdict.state === 'failed')
            failures.push({
              service: t.service,
              reason: verdict.reason,
              ecsRollingBack: verdict.ecsRollingBack,
            });
        }),
      );
      if (failures.length) return { state: 'failed', failures };
      return done.size === targets.length ? { state: 'completed' } : undefined;
      // UpdateService just answered with the new deployment: nothing to learn before one interval.
    },
    { waitFirst: true },
  );
  return (
    result ?? { state: 'timeout', pending: targets.filter((t) => !done.has(t.service)).map((t) => t.service) }
  );
}

/**
 * A COMPLETED rollout is confirmed once against the service deployment's own
 * status where ECS reports one: ROLLBACK_SUCCESSFUL is a failed release.
 */
async function confirm(deps: Deps, snapshot: ServiceSnapshot, verdict: ReturnType<typeof judgeRollout>) {
  if (verdict.state !== 'completed' || !snapshot.currentServiceDeploymentArn) return verdict;
  const arn = snapshot.currentServiceDeploymentArn;
  const status = await retryTransient(pollContext(deps), 'service deployment', () =>
    deps.ports.ecs.describeServiceDeployment(arn),
  );
  if (status && isRolledBackStatus(status.status)) {
    return {
      state: 'failed' as const,
      reason: `service deployment ${status.status}${status.statusReason ? `: ${status.statusReason}` : ''}`,
      ecsRollingBack: true,
    };
  }
  return verdict;
}

/** Waits for ECS's own (circuit breaker) rollback of `service` away from `targetArn` to finish. */
export async function waitForEcsRollback(
  deps: Deps,
  cluster: string,
  service: string,
  targetArn: string,
  timeoutMs: number,
  observers: Observers,
): Promise<EcsRollbackVerdict | { state: 'timeout' }> {
  const observer = observers.get(service);
  const poll = pollContext(deps);
  let notStarted = 0;
  const verdict = await pollUntil(poll, timeoutMs, async () => {
    const snapshot = await retryTransient(poll, `service ${service}`, () =>
      deps.ports.ecs.describeService(cluster, service),
    );
    await observer.observe(snapshot);
    let v = judgeEcsRollback(snapshot, targetArn);
    if (v.state === 'done' && snapshot.currentServiceDeploymentArn) {
      const arn = snapshot.currentServiceDeploymentArn;
      const status = await retryTransient(poll, 'service deployment', () =>
        deps.ports.ecs.describeServiceDeployment(arn),
      );
      v = judgeEcsRollback(snapshot, targetArn, status?.status);
    }
    // A few polls' grace for ECS to start its rollback; then the caller rolls back itself.
    if (v.state === 'not_started' && ++notStarted < ECS_ROLLBACK_GRACE_POLLS) return undefined;
    return v.state === 'in_progress' ? undefined : v;
  });
  return verdict ?? { state: 'timeout' };
}
