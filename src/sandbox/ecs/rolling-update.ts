import { addServiceEvent, type EngineContext } from './engine-context.ts';
import type { Deployment, Service, Task } from './model.ts';
import { completeIfSteady, isServing } from './service-deployments.ts';
import { launchTask, stopTask } from './task-lifecycle.ts';

/**
 * The service scheduler's rolling update, one step: starts tasks of the primary deployment and
 * stops older ones within minimumHealthyPercent/maximumPercent, retires drained deployments and
 * completes the primary once it alone serves.
 */
export function reconcileService(ctx: EngineContext, service: Service): void {
  const primary = service.deployments[0];
  if (!primary) return;
  primary.desiredCount = service.desiredCount;
  const tasks = ctx.store.tasksOf(service);
  const active = tasks.filter((t) => t.desiredStatus === 'RUNNING');
  const desired = service.desiredCount;
  const { minimumHealthyPercent, maximumPercent } = service.deploymentConfiguration;
  // ECS rounds the lower bound up and the upper bound down.
  const maxTasks = Math.floor((desired * maximumPercent) / 100);
  const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
  const primaryTasks = active.filter((t) => t.deploymentId === primary.id);
  let serving = active.filter((t) => isServing(t, service)).length;
  const old = active.filter((t) => t.deploymentId !== primary.id);

  // Scale in: old deployments keep only what the new one cannot serve yet.
  const primaryServing = primaryTasks.filter((t) => isServing(t, service)).length;
  const keepOld = Math.max(0, desired - primaryServing);
  const candidates = [...old].sort((a, b) => Number(isServing(a, service)) - Number(isServing(b, service)));
  const stopped: Task[] = [];
  for (const task of candidates.slice(0, Math.max(0, old.length - keepOld))) {
    const serves = isServing(task, service);
    if (serves && serving - 1 < minHealthy) break;
    stopped.push(task);
    if (serves) serving--;
  }
  // A deployment the circuit breaker failed launches nothing more.
  const canLaunch = primary.rolloutState !== 'FAILED';
  let room = maxTasks - (active.length - stopped.length);
  let need = desired - primaryTasks.length;
  // With no room to surge, an old task may go first if the minimum allows it.
  if (canLaunch && need > 0 && room <= 0) {
    const spare = candidates.find(
      (t) => !stopped.includes(t) && (!isServing(t, service) || serving - 1 >= minHealthy),
    );
    if (spare) {
      stopped.push(spare);
      if (isServing(spare, service)) serving--;
      room++;
    }
  }
  for (const task of stopped) {
    stopTask(
      ctx,
      task,
      'ServiceSchedulerInitiated',
      `Scaling activity initiated by (deployment ${primary.id})`,
    );
  }
  if (stopped.length > 0) {
    addServiceEvent(
      ctx,
      service,
      `(service ${service.serviceName}) has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
  }
  // Scale in the primary itself when desiredCount went down.
  if (need < 0) {
    for (const task of primaryTasks.slice(need)) {
      stopTask(
        ctx,
        task,
        'ServiceSchedulerInitiated',
        `Scaling activity initiated by (deployment ${primary.id})`,
      );
    }
    need = 0;
  }
  const launch = canLaunch ? Math.max(0, Math.min(need, room)) : 0;
  if (launch > 0) launchForDeployment(ctx, service, primary, launch);

  retireDrainedDeployments(service, tasks);
  completeIfSteady(ctx, service, primary);
}

/** Starts `count` tasks of a deployment, spread over the service's subnets. */
function launchForDeployment(
  ctx: EngineContext,
  service: Service,
  deployment: Deployment,
  count: number,
): void {
  const td = ctx.store.taskDefinition(deployment.taskDefinition);
  if (!td) return;
  const subnets = (
    service.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined
  )?.awsvpcConfiguration?.subnets;
  const started = [];
  for (let i = 0; i < count; i++) {
    started.push(
      launchTask(ctx, {
        cluster: service.cluster,
        taskDefinition: td,
        service,
        deployment,
        subnetId: subnets?.[i % subnets.length],
      }),
    );
  }
  addServiceEvent(
    ctx,
    service,
    `(service ${service.serviceName}) has started ${count} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
  );
}

/** Drops deployments other than the primary once none of their tasks is left running. */
function retireDrainedDeployments(service: Service, tasks: Task[]): void {
  service.deployments = service.deployments.filter(
    (d, i) => i === 0 || tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED'),
  );
}
