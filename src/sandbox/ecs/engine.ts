import { breakerTaskFailed, breakerTaskHealthy } from './circuit-breaker.ts';
import type { EngineContext, EngineDeps } from './engine-context.ts';
import type { Deployment, Service, Task } from './model.ts';
import { reconcileService } from './rolling-update.ts';
import { seedSteady } from './seed-steady.ts';
import { startDeployment } from './service-deployments.ts';
import type { EcsStore } from './store.ts';
import {
  advanceTask,
  forgetOldStoppedTasks,
  type LaunchOptions,
  launchTask,
  stopTask,
} from './task-lifecycle.ts';

/**
 * Advances ECS on the simulated clock: task lifecycles (`task-lifecycle.ts`), ELB health checks
 * (`health-checks.ts`), rolling deployments within min/max percent (`rolling-update.ts`), the
 * circuit breaker and its rollback (`circuit-breaker.ts`). One `tick()` catches up to now.
 */
export class EcsEngine {
  readonly store: EcsStore;
  readonly #ctx: EngineContext;

  constructor(store: EcsStore, deps: EngineDeps) {
    this.store = store;
    const ctx: EngineContext = {
      store,
      deps,
      now: () => deps.now(),
      taskHealthy: (task) => breakerTaskHealthy(ctx, task),
      taskFailed: (task) => breakerTaskFailed(ctx, task),
    };
    this.#ctx = ctx;
  }

  get now(): number {
    return this.#ctx.now();
  }

  launchTask(opts: LaunchOptions): Task {
    return launchTask(this.#ctx, opts);
  }

  /** Stops a task: a registered target drains first, anything else stops at once. */
  stopTask(task: Task, stopCode: string, reason: string): void {
    stopTask(this.#ctx, task, stopCode, reason);
  }

  /** Starts a new PRIMARY deployment of `taskDefinition` (UpdateService). */
  startDeployment(service: Service, taskDefinition: string): Deployment {
    return startDeployment(this.#ctx, service, taskDefinition);
  }

  /** Brings a new service straight to a steady state: its tasks healthy, its deployment COMPLETED. */
  seedSteady(service: Service, imageDigest?: string): void {
    seedSteady(this.#ctx, service, imageDigest);
  }

  tick(): void {
    const now = this.now;
    for (const task of this.store.tasks.values()) advanceTask(this.#ctx, task, now);
    for (const service of this.store.services.values()) reconcileService(this.#ctx, service);
    forgetOldStoppedTasks(this.#ctx, now);
  }
}
