import type { EngineContext } from './engine-context.ts';
import type { Service } from './model.ts';
import { completeIfSteady, startDeployment } from './service-deployments.ts';
import { launchTask } from './task-lifecycle.ts';
import { writeTaskLogs } from './task-logs.ts';

/** Brings a new service straight to a steady state: its tasks healthy, its deployment COMPLETED. */
export function seedSteady(ctx: EngineContext, service: Service, imageDigest?: string): void {
  const deployment = startDeployment(ctx, service, service.taskDefinition);
  const td = ctx.store.taskDefinition(service.taskDefinition);
  if (!td) throw new Error(`unknown task definition ${service.taskDefinition}`);
  const lb = service.loadBalancers[0];
  const tg = lb && ctx.store.targetGroups.get(lb.targetGroupArn);
  const now = ctx.now();
  for (let i = 0; i < service.desiredCount; i++) {
    const task = launchTask(ctx, { cluster: service.cluster, taskDefinition: td, service, deployment });
    Object.assign(task, {
      lastStatus: 'RUNNING',
      pull: 'ok',
      pullStartedAt: now,
      pullStoppedAt: now,
      startedAt: now,
    });
    for (const c of task.containers) {
      c.lastStatus = 'RUNNING';
      c.imageDigest = imageDigest;
    }
    if (lb && tg) {
      task.target = {
        targetGroupArn: tg.arn,
        port: lb.containerPort,
        state: 'healthy',
        okCount: tg.healthyThreshold,
        failCount: 0,
        healthySince: now,
        nextCheckAt: now + tg.intervalSeconds * 1000,
      };
    }
    writeTaskLogs(ctx, task, 'start');
  }
  completeIfSteady(ctx, service, deployment);
}
