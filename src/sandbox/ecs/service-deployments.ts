import { addServiceEvent, type EngineContext } from './engine-context.ts';
import {
  breakerThreshold,
  type Deployment,
  type Service,
  type ServiceDeployment,
  type Task,
} from './model.ts';
import { newDeploymentId } from './store.ts';

/**
 * Starts a new PRIMARY deployment of `taskDefinition`; the previous PRIMARY becomes ACTIVE.
 * A new service deployment supersedes one still in progress; a rollback (`rollbackOf`) carries on
 * the service deployment that failed.
 */
export function startDeployment(
  ctx: EngineContext,
  service: Service,
  taskDefinition: string,
  rollbackOf?: ServiceDeployment,
): Deployment {
  const now = ctx.now();
  const id = newDeploymentId();
  const previous = service.deployments[0];
  if (previous) previous.status = 'ACTIVE';
  let sd = rollbackOf;
  if (!sd) {
    const current = service.serviceDeployments.at(-1);
    if (current && ['IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'PENDING'].includes(current.status)) {
      current.status = 'STOPPED';
      current.statusReason = 'Superseded by a newer service deployment.';
      current.stoppedAt = now;
      current.updatedAt = now;
    }
    const { region, account, clusterName } = service.cluster;
    sd = {
      arn: `arn:aws:ecs:${region}:${account}:service-deployment/${clusterName}/${service.serviceName}/${id.replace('ecs-svc/', '')}`,
      createdAt: now,
      startedAt: now,
      updatedAt: now,
      status: 'IN_PROGRESS',
      targetDeploymentId: id,
      sourceDeploymentIds: service.deployments.map((d) => d.id),
      breakerStatus: service.deploymentConfiguration.deploymentCircuitBreaker.enable
        ? 'MONITORING'
        : 'DISABLED',
      failureCount: 0,
      threshold: breakerThreshold(service.desiredCount),
    };
    service.serviceDeployments.push(sd);
  }
  const deployment: Deployment = {
    id,
    status: 'PRIMARY',
    taskDefinition,
    desiredCount: service.desiredCount,
    failedTasks: 0,
    createdAt: now,
    updatedAt: now,
    rolloutState: 'IN_PROGRESS',
    rolloutStateReason: `ECS deployment ${id} in progress.`,
    serviceDeploymentArn: sd.arn,
    isRollback: rollbackOf !== undefined,
    networkConfiguration: service.networkConfiguration,
  };
  service.deployments.unshift(deployment);
  service.taskDefinition = taskDefinition;
  return deployment;
}

/** Whether a task counts toward the service's running, healthy tasks. */
export function isServing(task: Task, service: Service): boolean {
  if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING') return false;
  // A container that crashes on boot never reaches a steady RUNNING state, load balancer or not.
  if (task.serviceName && task.exitAt !== undefined) return false;
  return service.loadBalancers.length === 0 || task.target?.state === 'healthy';
}

/**
 * Completes the primary deployment once it is the only one and all its tasks serve: the rollout
 * (or the rollback) succeeded, and the service reached a steady state.
 */
export function completeIfSteady(ctx: EngineContext, service: Service, primary: Deployment): void {
  if (primary.rolloutState !== 'IN_PROGRESS' || service.deployments.length !== 1) return;
  const tasks = ctx.store
    .tasksOf(service)
    .filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
  if (tasks.length !== service.desiredCount || !tasks.every((t) => isServing(t, service))) return;
  const now = ctx.now();
  primary.rolloutState = 'COMPLETED';
  primary.rolloutStateReason = `ECS deployment ${primary.id} completed.`;
  primary.updatedAt = now;
  service.lastCompleted = { deploymentId: primary.id, taskDefinition: primary.taskDefinition };
  const sd = service.serviceDeployments.find((s) => s.arn === primary.serviceDeploymentArn);
  if (sd && (sd.status === 'IN_PROGRESS' || sd.status === 'ROLLBACK_IN_PROGRESS')) {
    sd.status = sd.status === 'ROLLBACK_IN_PROGRESS' ? 'ROLLBACK_SUCCESSFUL' : 'SUCCESSFUL';
    if (sd.breakerStatus === 'MONITORING') sd.breakerStatus = 'MONITORING_COMPLETE';
    sd.finishedAt = now;
    sd.updatedAt = now;
  }
  addServiceEvent(
    ctx,
    service,
    `(service ${service.serviceName}) (deployment ${primary.id}) deployment completed.`,
  );
  addServiceEvent(ctx, service, `(service ${service.serviceName}) has reached a steady state.`);
}
