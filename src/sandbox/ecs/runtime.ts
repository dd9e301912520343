import type { TargetGroup, Task, TaskDefinition } from './model.ts';

/**
 * Runs tasks for real (the sandbox's real mode). Without one the engine simulates every task;
 * with one, a task whose image can run (`task.real`) is a real process the engine follows.
 */
export interface TaskRuntime {
  /** The task's private IP: a loopback address of its own. */
  allocateIp(): string;
  /** Once the image reference resolved: pulls it and makes the container; sets `task.real`. */
  prepare(task: Task, taskDefinition: TaskDefinition): Promise<void>;
  /** Starts the prepared container; `onExit` gets its exit code. */
  start(task: Task, onExit: (code: number) => void): void;
  /** Begins stopping a real process (SIGTERM, then SIGKILL); false when there is none to stop. */
  stop(task: Task): boolean;
  /** The latest completed health probe of the target (undefined: none yet); starts the next one. */
  probe(task: Task, targetGroup: TargetGroup, port: number): boolean | undefined;
  /** Frees what a finished task held, such as its working container. */
  release(task: Task): void;
}
