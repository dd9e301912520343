import type { EngineContext } from './engine-context.ts';
import type { TargetGroup, Task, TaskTarget } from './model.ts';

/**
 * Runs the target group's health checks on a task's target, each interval due by `now`:
 * `unhealthyThreshold` failures in a row make it unhealthy, `healthyThreshold` passes healthy.
 * A simulated task passes unless a fault says otherwise; a real one is probed.
 */
export function runHealthChecks(
  ctx: EngineContext,
  task: Task,
  target: TaskTarget,
  tg: TargetGroup,
  now: number,
): void {
  while (target.nextCheckAt <= now) {
    const at = target.nextCheckAt;
    const healthyFor = target.healthySince === undefined ? undefined : at - target.healthySince;
    const passed = task.real
      ? ctx.deps.runtime?.probe(task, tg, target.port)
      : !ctx.deps.faults.failsHealthCheck(task.appVersion, healthyFor);
    if (passed === undefined) {
      // No probe has completed yet: this interval counts neither way.
    } else if (!passed) {
      target.failCount++;
      target.okCount = 0;
      if (target.failCount >= tg.unhealthyThreshold) target.state = 'unhealthy';
    } else {
      target.okCount++;
      target.failCount = 0;
      if (target.state !== 'healthy' && target.okCount >= tg.healthyThreshold) {
        target.state = 'healthy';
        target.healthySince = at;
        ctx.taskHealthy(task);
      }
    }
    target.nextCheckAt += tg.intervalSeconds * 1000;
  }
}
