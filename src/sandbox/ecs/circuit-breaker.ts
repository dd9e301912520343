import { addServiceEvent, type EngineContext } from './engine-context.ts';
import {
  breakerThreshold,
  type Deployment,
  type Service,
  type ServiceDeployment,
  serviceRevisionArn,
  type Task,
} from './model.ts';
import { startDeployment } from './service-deployments.ts';
import { stopTask } from './task-lifecycle.ts';

function deploymentOf(
  ctx: EngineContext,
  task: Task,
): { service: Service; deployment: Deployment } | undefined {
  const service = task.serviceName ? ctx.store.serviceByName(task.serviceName) : undefined;
  const deployment = service?.deployments.find((d) => d.id === task.deploymentId);
  return service && deployment ? { service, deployment } : undefined;
}

/** A healthy task of an in-progress deployment resets its failure count. */
export function breakerTaskHealthy(ctx: EngineContext, task: Task): void {
  const found = deploymentOf(ctx, task);
  if (found && found.deployment.rolloutState === 'IN_PROGRESS') found.deployment.failedTasks = 0;
}

/** Counts a failed task of the in-progress primary deployment; at the threshold the breaker trips. */
export function breakerTaskFailed(ctx: EngineContext, task: Task): void {
  const found = deploymentOf(ctx, task);
  if (!found) return;
  const { service, deployment } = found;
  if (deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS') return;
  deployment.failedTasks++;
  deployment.updatedAt = ctx.now();
  const sd = service.serviceDeployments.find((s) => s.arn === deployment.serviceDeploymentArn);
  const threshold = breakerThreshold(service.desiredCount);
  if (sd) sd.failureCount = deployment.failedTasks;
  const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
  if (breaker.enable && deployment.failedTasks >= threshold) tripBreaker(ctx, service, deployment, sd);
}

/**
 * Fails the deployment. With rollback on and a completed deployment to go back to, starts a
 * rollback deployment of it and stops the failed deployment's tasks; a failed rollback stays failed.
 */
function tripBreaker(
  ctx: EngineContext,
  service: Service,
  deployment: Deployment,
  sd: ServiceDeployment | undefined,
): void {
  const now = ctx.now();
  const reason = 'ECS deployment circuit breaker: tasks failed to start.';
  deployment.rolloutState = 'FAILED';
  deployment.rolloutStateReason = reason;
  deployment.updatedAt = now;
  addServiceEvent(
    ctx,
    service,
    `(service ${service.serviceName}) deployment ${deployment.id} deployment failed: tasks failed to start.`,
  );
  if (sd) {
    sd.breakerStatus = 'TRIGGERED';
    sd.updatedAt = now;
  }
  const target = service.lastCompleted;
  const rollback = service.deploymentConfiguration.deploymentCircuitBreaker.rollback;
  if (deployment.isRollback || !rollback || !target) {
    if (sd) {
      sd.status = deployment.isRollback ? 'ROLLBACK_FAILED' : 'STOPPED';
      sd.statusReason = reason;
      sd.finishedAt = now;
      sd.stoppedAt = now;
    }
    return;
  }
  addServiceEvent(
    ctx,
    service,
    `(service ${service.serviceName}) rolling back to deployment ${target.deploymentId}.`,
  );
  if (sd) {
    sd.status = 'ROLLBACK_IN_PROGRESS';
    sd.statusReason = reason;
    sd.rollback = {
      reason,
      startedAt: now,
      serviceRevisionArn: serviceRevisionArn(service, target.deploymentId),
    };
  }
  startDeployment(ctx, service, target.taskDefinition, sd);
  for (const task of ctx.store.tasksOf(service)) {
    if (task.deploymentId === deployment.id && task.desiredStatus === 'RUNNING') {
      stopTask(ctx, task, 'ServiceSchedulerInitiated', reason);
    }
  }
}
