import { randomUUID } from 'node:crypto';
import type { FaultStore } from '../faults.ts';
import type { RegistryClient } from '../registry-client.ts';
import type { LogsStore } from '../services/logs.ts';
import {
  breakerThreshold,
  type Cluster,
  type Deployment,
  type Service,
  type ServiceDeployment,
  serviceRevisionArn,
  type Task,
  type TaskDefinition,
} from './model.ts';
import type { TaskRuntime } from './runtime.ts';
import { type EcsStore, newDeploymentId, newTaskId } from './store.ts';
import { taskLogLines } from './task-logs.ts';

export interface EngineDeps {
  now: () => number;
  faults: FaultStore;
  registry: RegistryClient;
  registryHost: string;
  logs: LogsStore;
  /** Real mode: tasks whose image can run become real processes. */
  runtime?: TaskRuntime;
}

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

/**
 * Advances ECS on the simulated clock: task lifecycles, ELB health checks, rolling deployments
 * within min/max percent, the circuit breaker and its rollback. One `tick()` catches up to now.
 */
export class EcsEngine {
  readonly store: EcsStore;
  readonly #deps: EngineDeps;

  constructor(store: EcsStore, deps: EngineDeps) {
    this.store = store;
    this.#deps = deps;
  }

  get now(): number {
    return this.#deps.now();
  }

  event(service: Service, message: string): void {
    service.events.unshift({ id: randomUUID(), createdAt: this.now, message });
    if (service.events.length > 100) service.events.length = 100;
  }

  launchTask(opts: LaunchOptions): Task {
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
      createdAt: this.now,
      containers: td.containerDefinitions.map((c) => ({
        name: c.name,
        containerArn: `arn:aws:ecs:${cluster.region}:${cluster.account}:container/${cluster.clusterName}/${id}/${randomUUID()}`,
        image: c.image,
        lastStatus: 'PENDING',
        essential: c.essential !== false,
      })),
      overrides,
      privateIp: this.#deps.runtime?.allocateIp() ?? this.store.nextIp(),
      subnetId: opts.subnetId ?? 'subnet-1',
      appVersion: [...env].reverse().find((e) => e.name === 'APP_VERSION')?.value,
      dueAt: this.now + PROVISIONING_MS,
      pull: 'pending',
      logs: logOptions?.['awslogs-group']
        ? {
            group: logOptions['awslogs-group'],
            stream: `${logOptions['awslogs-stream-prefix'] ?? 'ecs'}/${main.name}/${id}`,
          }
        : undefined,
    };
    this.store.tasks.set(taskArn, task);
    return task;
  }

  /** Stops a task: a registered target drains first, anything else stops at once. */
  stopTask(task: Task, stopCode: string, reason: string): void {
    if (task.desiredStatus === 'STOPPED' && task.stopCode) return;
    task.desiredStatus = 'STOPPED';
    task.stopCode = stopCode;
    task.stoppedReason = reason;
    task.stoppingAt = this.now;
    const tg = task.target && this.store.targetGroups.get(task.target.targetGroupArn);
    if (task.target && tg && task.lastStatus === 'RUNNING') {
      task.target.state = 'draining';
      task.target.drainUntil = this.now + tg.deregistrationDelaySeconds * 1000;
      task.lastStatus = 'DEACTIVATING';
      const service = task.serviceName ? this.store.serviceByName(task.serviceName) : undefined;
      if (service)
        this.event(
          service,
          `(service ${service.serviceName}) deregistered 1 targets in (target-group ${tg.arn})`,
        );
      return;
    }
    this.#finishStop(task);
  }

  #finishStop(task: Task, exitCode?: number): void {
    if (task.real && this.#deps.runtime?.stop(task)) {
      // A real process stops when it exits: processExited() finishes the stop.
      task.lastStatus = 'STOPPING';
      task.desiredStatus = 'STOPPED';
      task.stoppingAt ??= this.now;
      task.target = undefined;
      return;
    }
    if (task.real) this.#deps.runtime?.release(task);
    task.lastStatus = 'STOPPED';
    task.desiredStatus = 'STOPPED';
    task.stoppedAt = this.now;
    task.stoppingAt ??= this.now;
    task.target = undefined;
    for (const c of task.containers) {
      if (c.lastStatus === 'RUNNING') c.exitCode = exitCode ?? c.exitCode ?? 0;
      c.lastStatus = 'STOPPED';
    }
  }

  /** Starts a new PRIMARY deployment of `taskDefinition`; the previous PRIMARY becomes ACTIVE. */
  startDeployment(service: Service, taskDefinition: string, rollbackOf?: ServiceDeployment): Deployment {
    const now = this.now;
    const id = newDeploymentId();
    const previous = service.deployments[0];
    if (previous) previous.status = 'ACTIVE';
    let sd = rollbackOf;
    if (!sd) {
      const current = this.currentServiceDeployment(service);
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

  /** Brings a new service straight to a steady state: its tasks healthy, its deployment COMPLETED. */
  seedSteady(service: Service, imageDigest?: string): void {
    const deployment = this.startDeployment(service, service.taskDefinition);
    const td = this.store.taskDefinition(service.taskDefinition);
    if (!td) throw new Error(`unknown task definition ${service.taskDefinition}`);
    const lb = service.loadBalancers[0];
    const tg = lb && this.store.targetGroups.get(lb.targetGroupArn);
    const now = this.now;
    for (let i = 0; i < service.desiredCount; i++) {
      const task = this.launchTask({ cluster: service.cluster, taskDefinition: td, service, deployment });
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
      this.#writeLogs(task, 'start');
    }
    this.#completeIfSteady(service, deployment);
  }

  currentServiceDeployment(service: Service): ServiceDeployment | undefined {
    return service.serviceDeployments.at(-1);
  }

  tick(): void {
    const now = this.now;
    for (const task of this.store.tasks.values()) this.#advanceTask(task, now);
    for (const service of this.store.services.values()) this.#reconcile(service);
    for (const [arn, task] of this.store.tasks) {
      if (task.stoppedAt !== undefined && now - task.stoppedAt > STOPPED_TASK_RETENTION_MS)
        this.store.tasks.delete(arn);
    }
  }

  #advanceTask(task: Task, now: number): void {
    if (task.lastStatus === 'STOPPED') return;
    if (task.lastStatus === 'PROVISIONING' && now >= task.dueAt) {
      task.lastStatus = 'PENDING';
      task.pullStartedAt = task.dueAt;
      task.dueAt += PULL_MS;
      this.#checkPull(task);
    }
    if (task.lastStatus === 'PENDING') {
      if (typeof task.pull === 'object') {
        this.#failToStart(task, task.pull.error);
        return;
      }
      if (task.pull === 'ok' && now >= task.dueAt) this.#run(task);
    }
    if (task.lastStatus === 'RUNNING' && task.exitAt !== undefined && now >= task.exitAt) {
      this.#containerExited(task);
      return;
    }
    if (task.lastStatus === 'RUNNING') this.#healthChecks(task, now);
    if (
      task.lastStatus === 'DEACTIVATING' &&
      task.target?.drainUntil !== undefined &&
      now >= task.target.drainUntil
    ) {
      this.#finishStop(task);
    }
  }

  #checkPull(task: Task): void {
    const host = this.#deps.registryHost;
    const checks = task.containers.map(async (c) => {
      if (!c.image.startsWith(`${host}/`)) return;
      const rest = c.image.slice(host.length + 1);
      const at = rest.indexOf('@');
      const colon = rest.lastIndexOf(':');
      const [repo, ref] =
        at >= 0
          ? [rest.slice(0, at), rest.slice(at + 1)]
          : colon >= 0
            ? [rest.slice(0, colon), rest.slice(colon + 1)]
            : [rest, 'latest'];
      const manifest = await this.#deps.registry.getManifest(repo, ref).catch(() => undefined);
      if (!manifest) {
        throw new Error(
          `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${c.image}: ${c.image}: not found`,
        );
      }
      c.imageDigest = manifest.digest;
    });
    const td = this.store.taskDefinition(task.taskDefinitionArn);
    const runtime = this.#deps.runtime;
    Promise.all(checks)
      .then(() => (runtime && td && task.desiredStatus === 'RUNNING' ? runtime.prepare(task, td) : undefined))
      .then(
        () => {
          task.pull = 'ok';
        },
        (err: Error) => {
          task.pull = { error: err.message };
        },
      );
  }

  #writeLogs(task: Task, phase: 'start' | 'exit'): void {
    if (!task.logs || task.real) return;
    const lines = taskLogLines(task, phase, this.#deps.faults.current);
    if (lines.length > 0) this.#deps.logs.write(task.logs.group, task.logs.stream, this.now, lines);
  }

  #run(task: Task): void {
    const now = this.now;
    task.lastStatus = 'RUNNING';
    task.pullStoppedAt = task.dueAt;
    task.startedAt = now;
    for (const c of task.containers) c.lastStatus = 'RUNNING';
    this.#writeLogs(task, 'start');
    if (task.real) this.#deps.runtime?.start(task, (code) => this.processExited(task, code));
    const service = task.serviceName ? this.store.serviceByName(task.serviceName) : undefined;
    if (!service && task.real) return;
    if (!service) {
      const code = this.#deps.faults.current.migrationExitCode ?? 0;
      const faults = this.#deps.faults.current;
      const seconds = faults.migrationRunSeconds ?? faults.migrationSeconds;
      task.exitAt = now + (seconds === undefined ? ONE_SHOT_RUN_MS : seconds * 1000);
      task.exitCode = code;
      return;
    }
    if (!task.real && this.#deps.faults.failsToStart(task.appVersion, task.serviceName)) {
      task.exitAt = now + CRASH_AFTER_MS;
      task.exitCode = 1;
    }
    const lb = service.loadBalancers[0];
    const tg = lb && this.store.targetGroups.get(lb.targetGroupArn);
    if (lb && tg) {
      task.target = {
        targetGroupArn: tg.arn,
        port: lb.containerPort,
        state: 'initial',
        okCount: 0,
        failCount: 0,
        nextCheckAt: now + (tg.intervalSeconds * 1000) / 2,
      };
      this.event(
        service,
        `(service ${service.serviceName}) registered 1 targets in (target-group ${tg.arn})`,
      );
    }
  }

  /** A real task's process ended: its container exited by itself, or the stop we began completed. */
  processExited(task: Task, code: number): void {
    task.exitCode = code;
    if (task.lastStatus === 'STOPPED') return;
    if (task.desiredStatus === 'RUNNING' && task.lastStatus === 'RUNNING') this.#containerExited(task);
    else this.#finishStop(task, code);
  }

  #containerExited(task: Task): void {
    const code = task.exitCode ?? 0;
    for (const c of task.containers) {
      if (c.essential) c.exitCode = code;
    }
    this.#writeLogs(task, 'exit');
    task.target = undefined;
    task.stopCode = 'EssentialContainerExited';
    task.stoppedReason = 'Essential container in task exited';
    task.stoppingAt = this.now;
    this.#finishStop(task, code);
    if (task.serviceName) this.#taskFailed(task);
  }

  #failToStart(task: Task, reason: string): void {
    task.stopCode = 'TaskFailedToStart';
    task.stoppedReason = reason;
    task.stoppingAt = this.now;
    for (const c of task.containers)
      c.reason = reason.split(':')[0] === 'CannotPullContainerError' ? reason : undefined;
    this.#finishStop(task);
    if (task.serviceName) this.#taskFailed(task);
  }

  #healthChecks(task: Task, now: number): void {
    const target = task.target;
    const tg = target && this.store.targetGroups.get(target.targetGroupArn);
    if (!target || !tg || target.state === 'draining') return;
    while (target.nextCheckAt <= now) {
      const at = target.nextCheckAt;
      const healthyFor = target.healthySince === undefined ? undefined : at - target.healthySince;
      const passed = task.real
        ? this.#deps.runtime?.probe(task, tg, target.port)
        : !this.#deps.faults.failsHealthCheck(task.appVersion, healthyFor);
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
          this.#taskHealthy(task);
        }
      }
      target.nextCheckAt += tg.intervalSeconds * 1000;
    }
    const service = task.serviceName ? this.store.serviceByName(task.serviceName) : undefined;
    const graceOver = (task.startedAt ?? now) + (service?.healthCheckGracePeriodSeconds ?? 0) * 1000 <= now;
    if (service && target.state === 'unhealthy' && graceOver && task.desiredStatus === 'RUNNING') {
      this.event(
        service,
        `(service ${service.serviceName}) (task ${task.id}) (port ${target.port}) is unhealthy in (target-group ${tg.arn}) due to (reason Health checks failed).`,
      );
      this.stopTask(
        task,
        'ServiceSchedulerInitiated',
        `Task failed ELB health checks in (target-group ${tg.arn})`,
      );
      this.#taskFailed(task);
    }
  }

  #deploymentOf(task: Task): { service: Service; deployment: Deployment } | undefined {
    const service = task.serviceName ? this.store.serviceByName(task.serviceName) : undefined;
    const deployment = service?.deployments.find((d) => d.id === task.deploymentId);
    return service && deployment ? { service, deployment } : undefined;
  }

  #taskHealthy(task: Task): void {
    const found = this.#deploymentOf(task);
    if (found && found.deployment.rolloutState === 'IN_PROGRESS') found.deployment.failedTasks = 0;
  }

  #taskFailed(task: Task): void {
    const found = this.#deploymentOf(task);
    if (!found) return;
    const { service, deployment } = found;
    if (deployment.status !== 'PRIMARY' || deployment.rolloutState !== 'IN_PROGRESS') return;
    deployment.failedTasks++;
    deployment.updatedAt = this.now;
    const sd = service.serviceDeployments.find((s) => s.arn === deployment.serviceDeploymentArn);
    const threshold = breakerThreshold(service.desiredCount);
    if (sd) sd.failureCount = deployment.failedTasks;
    const breaker = service.deploymentConfiguration.deploymentCircuitBreaker;
    if (breaker.enable && deployment.failedTasks >= threshold) this.#tripBreaker(service, deployment, sd);
  }

  #tripBreaker(service: Service, deployment: Deployment, sd: ServiceDeployment | undefined): void {
    const now = this.now;
    const reason = 'ECS deployment circuit breaker: tasks failed to start.';
    deployment.rolloutState = 'FAILED';
    deployment.rolloutStateReason = reason;
    deployment.updatedAt = now;
    this.event(
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
    this.event(
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
    this.startDeployment(service, target.taskDefinition, sd);
    for (const task of this.store.tasksOf(service)) {
      if (task.deploymentId === deployment.id && task.desiredStatus === 'RUNNING') {
        this.stopTask(task, 'ServiceSchedulerInitiated', reason);
      }
    }
  }

  #isServing(task: Task, service: Service): boolean {
    if (task.desiredStatus !== 'RUNNING' || task.lastStatus !== 'RUNNING') return false;
    // A container that crashes on boot never reaches a steady RUNNING state, load balancer or not.
    if (task.serviceName && task.exitAt !== undefined) return false;
    return service.loadBalancers.length === 0 || task.target?.state === 'healthy';
  }

  #reconcile(service: Service): void {
    const primary = service.deployments[0];
    if (!primary) return;
    primary.desiredCount = service.desiredCount;
    const tasks = this.store.tasksOf(service);
    const active = tasks.filter((t) => t.desiredStatus === 'RUNNING');
    const desired = service.desiredCount;
    const { minimumHealthyPercent, maximumPercent } = service.deploymentConfiguration;
    // ECS rounds the lower bound up and the upper bound down.
    const maxTasks = Math.floor((desired * maximumPercent) / 100);
    const minHealthy = Math.ceil((desired * minimumHealthyPercent) / 100);
    const primaryTasks = active.filter((t) => t.deploymentId === primary.id);
    let serving = active.filter((t) => this.#isServing(t, service)).length;
    const old = active.filter((t) => t.deploymentId !== primary.id);

    // Scale in: old deployments keep only what the new one cannot serve yet.
    const primaryServing = primaryTasks.filter((t) => this.#isServing(t, service)).length;
    const keepOld = Math.max(0, desired - primaryServing);
    const candidates = [...old].sort(
      (a, b) => Number(this.#isServing(a, service)) - Number(this.#isServing(b, service)),
    );
    const stopped: Task[] = [];
    for (const task of candidates.slice(0, Math.max(0, old.length - keepOld))) {
      const isServing = this.#isServing(task, service);
      if (isServing && serving - 1 < minHealthy) break;
      stopped.push(task);
      if (isServing) serving--;
    }
    // A deployment the circuit breaker failed launches nothing more.
    const canLaunch = primary.rolloutState !== 'FAILED';
    let room = maxTasks - (active.length - stopped.length);
    let need = desired - primaryTasks.length;
    // With no room to surge, an old task may go first if the minimum allows it.
    if (canLaunch && need > 0 && room <= 0) {
      const spare = candidates.find(
        (t) => !stopped.includes(t) && (!this.#isServing(t, service) || serving - 1 >= minHealthy),
      );
      if (spare) {
        stopped.push(spare);
        if (this.#isServing(spare, service)) serving--;
        room++;
      }
    }
    for (const task of stopped) {
      this.stopTask(
        task,
        'ServiceSchedulerInitiated',
        `Scaling activity initiated by (deployment ${primary.id})`,
      );
    }
    if (stopped.length > 0) {
      this.event(
        service,
        `(service ${service.serviceName}) has stopped ${stopped.length} running tasks: ${stopped.map((t) => `(task ${t.id})`).join(' ')}.`,
      );
    }
    // Scale in the primary itself when desiredCount went down.
    if (need < 0) {
      for (const task of primaryTasks.slice(need)) {
        this.stopTask(
          task,
          'ServiceSchedulerInitiated',
          `Scaling activity initiated by (deployment ${primary.id})`,
        );
      }
      need = 0;
    }
    const launch = canLaunch ? Math.max(0, Math.min(need, room)) : 0;
    if (launch > 0) this.#launchForDeployment(service, primary, launch);

    this.#retireDrainedDeployments(service, tasks);
    this.#completeIfSteady(service, primary);
  }

  #launchForDeployment(service: Service, deployment: Deployment, count: number): void {
    const td = this.store.taskDefinition(deployment.taskDefinition);
    if (!td) return;
    const subnets = (
      service.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined
    )?.awsvpcConfiguration?.subnets;
    const started = [];
    for (let i = 0; i < count; i++) {
      started.push(
        this.launchTask({
          cluster: service.cluster,
          taskDefinition: td,
          service,
          deployment,
          subnetId: subnets?.[i % subnets.length],
        }),
      );
    }
    this.event(
      service,
      `(service ${service.serviceName}) has started ${count} tasks: ${started.map((t) => `(task ${t.id})`).join(' ')}.`,
    );
  }

  #retireDrainedDeployments(service: Service, tasks: Task[]): void {
    service.deployments = service.deployments.filter(
      (d, i) => i === 0 || tasks.some((t) => t.deploymentId === d.id && t.lastStatus !== 'STOPPED'),
    );
  }

  #completeIfSteady(service: Service, primary: Deployment): void {
    if (primary.rolloutState !== 'IN_PROGRESS' || service.deployments.length !== 1) return;
    const tasks = this.store
      .tasksOf(service)
      .filter((t) => t.deploymentId === primary.id && t.desiredStatus === 'RUNNING');
    if (tasks.length !== service.desiredCount || !tasks.every((t) => this.#isServing(t, service))) return;
    const now = this.now;
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
    this.event(service, `(service ${service.serviceName}) (deployment ${primary.id}) deployment completed.`);
    this.event(service, `(service ${service.serviceName}) has reached a steady state.`);
  }
}
