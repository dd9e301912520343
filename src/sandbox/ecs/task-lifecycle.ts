import { randomUUID } from 'node:crypto';
import { addServiceEvent, type EngineContext } from './engine-context.ts';
import { runHealthChecks } from './health-checks.ts';
import { pullImages } from './image-pull.ts';
import type { Cluster, Deployment, Service, Task, TaskDefinition } from './model.ts';
import { newTaskId } from './store.ts';
import { writeTaskLogs } from './task-logs.ts';

/** Simulated seconds each lifecycle step takes. */
const PROVISIONING_MS = 1_000;
const PULL_MS = 3_000;
const ONE_SHOT_RUN_MS = 4_000;
const CRASH_AFTER_MS = 2_000;
const STOPPED_TASK_RETENTION_MS = 3_600_000;

export interface LaunchOptions {
  cluster: Cluster;
  taskDefinition: TaskDefinition;
  overrides?: Record<string, unknown>;
  startedBy?: string;
  group?: string;
  service?: Service;
  deployment?: Deployment;
  subnetId?: string;
}

/** A new task in PROVISIONING: it pulls, runs and (for a one-shot task) exits as the clock advances. */
export function launchTask(ctx: EngineContext, opts: LaunchOptions): Task {
  const { cluster, taskDefinition: td } = opts;
  const id = newTaskId();
  const taskArn = `arn:aws:ecs:${cluster.region}:${cluster.account}:task/${cluster.clusterName}/${id}`;
  const overrides = opts.overrides ?? {};
  const containerOverrides =
    (overrides.containerOverrides as {
      name?: string;
      environment?: { name: string; value: string }[];
    }[]) ?? [];
  const main = td.containerDefinitions.find((c) => c.essential !== false) ?? td.containerDefinitions[0]!;
  const env = [
    ...(main.environment ?? []),
    ...(containerOverrides.find((o) => o.name === main.name)?.environment ?? []),
  ];
  const logOptions =
    main.logConfiguration?.logDriver === 'awslogs' ? main.logConfiguration.options : undefined;
  const task: Task = {
    taskArn,
    id,
    cluster,
    taskDefinitionArn: td.taskDefinitionArn,
    group: opts.group ?? (opts.service ? `service:${opts.service.serviceName}` : `family:${td.family}`),
    startedBy: opts.startedBy ?? opts.deployment?.id,
    serviceName: opts.service?.serviceName,
    deploymentId: opts.deployment?.id,
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    createdAt: ctx.now(),
    containers: td.containerDefinitions.map((c) => ({
      name: c.name,
      containerArn: `arn:aws:ecs:${cluster.region}:${cluster.account}:container/${cluster.clusterName}/${id}/${randomUUID()}`,
      image: c.image,
      lastStatus: 'PENDING',
      essential: c.essential !== false,
    })),
    overrides,
    privateIp: ctx.deps.runtime?.allocateIp() ?? ctx.store.nextIp(),
    subnetId: opts.subnetId ?? 'subnet-1',
    appVersion: [...env].reverse().find((e) => e.name === 'APP_VERSION')?.value,
    dueAt: ctx.now() + PROVISIONING_MS,
    pull: 'pending',
    logs: logOptions?.['awslogs-group']
      ? {
          group: logOptions['awslogs-group'],
          stream: `${logOptions['awslogs-stream-prefix'] ?? 'ecs'}/${main.name}/${id}`,
        }
      : undefined,
  };
  ctx.store.tasks.set(taskArn, task);
  return task;
}

/** Stops a task: a registered target drains first, anything else stops at once. */
export function stopTask(ctx: EngineContext, task: Task, stopCode: string, reason: string): void {
  if (task.desiredStatus === 'STOPPED' && task.stopCode) return;
  task.desiredStatus = 'STOPPED';
  task.stopCode = stopCode;
  task.stoppedReason = reason;
  task.stoppingAt = ctx.now();
  const tg = task.target && ctx.store.targetGroups.get(task.target.targetGroupArn);
  if (task.target && tg && task.lastStatus === 'RUNNING') {
    task.target.state = 'draining';
    task.target.drainUntil = ctx.now() + tg.deregistrationDelaySeconds * 1000;
    task.lastStatus = 'DEACTIVATING';
    const service = task.serviceName ? ctx.store.serviceByName(task.serviceName) : undefined;
    if (service)
      addServiceEvent(
        ctx,
        service,
        `(service ${service.serviceName}) deregistered 1 targets in (target-group ${tg.arn})`,
      );
    return;
  }
  finishStop(ctx, task);
}

function finishStop(ctx: EngineContext, task: Task, exitCode?: number): void {
  if (task.real && ctx.deps.runtime?.stop(task)) {
    // A real process stops when it exits: processExited() finishes the stop.
    task.lastStatus = 'STOPPING';
    task.desiredStatus = 'STOPPED';
    task.stoppingAt ??= ctx.now();
    task.target = undefined;
    return;
  }
  if (task.real) ctx.deps.runtime?.release(task);
  task.lastStatus = 'STOPPED';
  task.desiredStatus = 'STOPPED';
  task.stoppedAt = ctx.now();
  task.stoppingAt ??= ctx.now();
  task.target = undefined;
  for (const c of task.containers) {
    if (c.lastStatus === 'RUNNING') c.exitCode = exitCode ?? c.exitCode ?? 0;
    c.lastStatus = 'STOPPED';
  }
}

/** Moves a task through PROVISIONING, PENDING (the pull), RUNNING (health checks, exit) and draining. */
export function advanceTask(ctx: EngineContext, task: Task, now: number): void {
  if (task.lastStatus === 'STOPPED') return;
  if (task.lastStatus === 'PROVISIONING' && now >= task.dueAt) {
    task.lastStatus = 'PENDING';
    task.pullStartedAt = task.dueAt;
    task.dueAt += PULL_MS;
    pullImages(ctx, task);
  }
  if (task.lastStatus === 'PENDING') {
    if (typeof task.pull === 'object') {
      failToStart(ctx, task, task.pull.error);
      return;
    }
    if (task.pull === 'ok' && now >= task.dueAt) run(ctx, task);
  }
  if (task.lastStatus === 'RUNNING' && task.exitAt !== undefined && now >= task.exitAt) {
    containerExited(ctx, task);
    return;
  }
  if (task.lastStatus === 'RUNNING') followTargetHealth(ctx, task, now);
  if (
    task.lastStatus === 'DEACTIVATING' &&
    task.target?.drainUntil !== undefined &&
    now >= task.target.drainUntil
  ) {
    finishStop(ctx, task);
  }
}

/** Forgets tasks stopped more than an hour ago: ECS lists a stopped task for about an hour. */
export function forgetOldStoppedTasks(ctx: EngineContext, now: number): void {
  for (const [arn, task] of ctx.store.tasks) {
    if (task.stoppedAt !== undefined && now - task.stoppedAt > STOPPED_TASK_RETENTION_MS)
      ctx.store.tasks.delete(arn);
  }
}

function run(ctx: EngineContext, task: Task): void {
  const now = ctx.now();
  task.lastStatus = 'RUNNING';
  task.pullStoppedAt = task.dueAt;
  task.startedAt = now;
  for (const c of task.containers) c.lastStatus = 'RUNNING';
  writeTaskLogs(ctx, task, 'start');
  if (task.real) ctx.deps.runtime?.start(task, (code) => processExited(ctx, task, code));
  const service = task.serviceName ? ctx.store.serviceByName(task.serviceName) : undefined;
  if (!service && task.real) return;
  if (!service) {
    const code = ctx.deps.faults.current.migrationExitCode ?? 0;
    const seconds = ctx.deps.faults.current.migrationRunSeconds;
    task.exitAt = now + (seconds === undefined ? ONE_SHOT_RUN_MS : seconds * 1000);
    task.exitCode = code;
    return;
  }
  if (!task.real && ctx.deps.faults.failsToStart(task.appVersion, task.serviceName)) {
    task.exitAt = now + CRASH_AFTER_MS;
    task.exitCode = 1;
  }
  const lb = service.loadBalancers[0];
  const tg = lb && ctx.store.targetGroups.get(lb.targetGroupArn);
  if (lb && tg) {
    task.target = {
      targetGroupArn: tg.arn,
      port: lb.containerPort,
      state: 'initial',
      okCount: 0,
      failCount: 0,
      nextCheckAt: now + (tg.intervalSeconds * 1000) / 2,
    };
    addServiceEvent(
      ctx,
      service,
      `(service ${service.serviceName}) registered 1 targets in (target-group ${tg.arn})`,
    );
  }
}

/** A real task's process ended: its container exited by itself, or the stop we began completed. */
function processExited(ctx: EngineContext, task: Task, code: number): void {
  task.exitCode = code;
  if (task.lastStatus === 'STOPPED') return;
  if (task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING') containerExited(ctx, task);
  else finishStop(ctx, task, code);
}

function containerExited(ctx: EngineContext, task: Task): void {
  const code = task.exitCode ?? 0;
  for (const c of task.containers) {
    if (c.essential) c.exitCode = code;
  }
  writeTaskLogs(ctx, task, 'exit');
  task.target = undefined;
  task.stopCode = 'EssentialContainerExited';
  task.stoppedReason = 'Essential container in task exited';
  task.stoppingAt = ctx.now();
  finishStop(ctx, task, code);
  if (task.serviceName) ctx.taskFailed(task);
}

function failToStart(ctx: EngineContext, task: Task, reason: string): void {
  task.stopCode = 'TaskFailedToStart';
  task.stoppedReason = reason;
  task.stoppingAt = ctx.now();
  for (const c of task.containers)
    c.reason = reason.split(':')[0] === 'CannotPullContainerError' ? reason : undefined;
  finishStop(ctx, task);
  if (task.serviceName) ctx.taskFailed(task);
}

/** Health checks a running task's target; the scheduler stops a service's task found unhealthy after its grace period. */
function followTargetHealth(ctx: EngineContext, task: Task, now: number): void {
  const target = task.target;
  const tg = target && ctx.store.targetGroups.get(target.targetGroupArn);
  if (!target || !tg || target.state === 'draining') return;
  runHealthChecks(ctx, task, target, tg, now);
  const service = task.serviceName ? ctx.store.serviceByName(task.serviceName) : undefined;
  const graceOver = (task.startedAt ?? now) + (service?.healthCheckGracePeriodSeconds ?? 0) * 1000 <= now;
  if (service && target.state === 'unhealthy' && graceOver && task.desiredStatus === 'RUNNING') {
    addServiceEvent(
      ctx,
      service,
      `(service ${service.serviceName}) (task ${task.id}) (port ${target.port}) is unhealthy in (target-group ${tg.arn}) due to (reason Health checks failed).`,
    );
    stopTask(
      ctx,
      task,
      'ServiceSchedulerInitiated',
      `Task failed ELB health checks in (target-group ${tg.arn})`,
    );
    ctx.taskFailed(task);
  }
}
