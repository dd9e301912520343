import { randomUUID } from 'node:crypto';
import type { FaultStore } from '../faults.ts';
import type { RegistryClient } from '../registry-client.ts';
import type { LogsStore } from '../services/logs.ts';
import type { Service, Task } from './model.ts';
import type { TaskRuntime } from './runtime.ts';
import type { EcsStore } from './store.ts';

export interface EngineDeps {
  now: () => number;
  faults: FaultStore;
  registry: RegistryClient;
  registryHost: string;
  logs: LogsStore;
  /** Real mode: tasks whose image can run become real processes. */
  runtime?: TaskRuntime;
}

/**
 * What the parts of the ECS simulation share. A task's health is reported through
 * `taskHealthy`/`taskFailed`, which the engine wires to the circuit breaker, so that the task
 * lifecycle does not depend on the breaker that stops its tasks.
 */
export interface EngineContext {
  readonly store: EcsStore;
  readonly deps: EngineDeps;
  now(): number;
  /** A service's task passed its health checks. */
  taskHealthy(task: Task): void;
  /** A service's task stopped by itself, failed to start, or failed its health checks. */
  taskFailed(task: Task): void;
}

/** Adds a service event (DescribeServices lists them newest first); keeps the latest 100. */
export function addServiceEvent(ctx: EngineContext, service: Service, message: string): void {
  service.events.unshift({ id: randomUUID(), createdAt: ctx.now(), message });
  if (service.events.length > 100) service.events.length = 100;
}
