/**
 * What a person watching a rollout wants to see, taken from the one
 * DescribeServices per poll: deployments, new service events, and, only when
 * something failed, the stopped tasks' reasons (the one extra call) and what
 * the release's first failed tasks printed (task-logs.ts).
 */
import type { Deps } from './context.ts';
import { pollContext } from './context.ts';
import { retryTransient } from './poll.ts';
import type { ServiceSnapshot, TaskSnapshot } from './ports.ts';
import { FailedTaskLogs, isFailedTask } from './task-logs.ts';
import { deploymentLine, isFailureMessage, mentionsTask } from './verdicts.ts';

export class ServiceObserver {
  readonly #deps: Deps;
  readonly #cluster: string;
  readonly #service: string;
  readonly #since: Date;
  readonly #seenEvents = new Set<string>();
  readonly #seenTasks = new Set<string>();
  readonly #taskLogs: FailedTaskLogs;
  #lastProgress = '';
  #failedTasks = 0;
  /** The revision this release rolls out: only its tasks' logs are news. */
  #releaseArn: string | undefined;

  constructor(
    deps: Deps,
    cluster: string,
    service: string,
    since: Date,
    knownEventIds: Iterable<string> = [],
  ) {
    this.#deps = deps;
    this.#cluster = cluster;
    this.#service = service;
    // A second of slack: ECS and our clock disagree a little.
    this.#since = new Date(since.getTime() - 1000);
    for (const id of knownEventIds) this.#seenEvents.add(id);
    this.#taskLogs = new FailedTaskLogs(deps, service);
  }

  /** Reports what changed since the last poll; `newId` marks the deployment this release is about. */
  async observe(snapshot: ServiceSnapshot, newId?: string): Promise<void> {
    // The first deployment watched is the release's; later ones (a rollback) are not.
    this.#releaseArn ??= snapshot.deployments.find((d) => d.id === newId)?.taskDefinitionArn;
    this.#progress(snapshot, newId);
    const fresh = snapshot.events
      .filter((e) => !this.#seenEvents.has(e.id) && e.createdAt >= this.#since)
      .reverse();
    for (const e of snapshot.events) this.#seenEvents.add(e.id);
    for (const e of fresh) {
      this.#deps.emit({
        type: 'service_event',
        service: this.#service,
        message: e.message,
        createdAt: e.createdAt.toISOString(),
        failure: isFailureMessage(e.message),
      });
    }
    const failed = snapshot.deployments.reduce((n, d) => n + d.failedTasks, 0);
    const taskNews = fresh.some((e) => mentionsTask(e.message) && isFailureMessage(e.message));
    if (failed > this.#failedTasks || taskNews) await this.#stoppedTasks();
    this.#failedTasks = Math.max(this.#failedTasks, failed);
  }

  #progress(snapshot: ServiceSnapshot, newId?: string): void {
    const deployments = snapshot.deployments.map((d) => ({
      id: d.id,
      role: (d.id === newId || (!newId && d.status === 'PRIMARY') ? 'new' : 'old') as 'new' | 'old',
      status: d.status,
      ...(d.rolloutState ? { rolloutState: d.rolloutState } : {}),
      ...deploymentLine(d),
    }));
    const key = JSON.stringify(deployments);
    if (key === this.#lastProgress) return;
    this.#lastProgress = key;
    this.#deps.emit({ type: 'progress', service: this.#service, deployments });
  }

  async #stoppedTasks(): Promise<void> {
    const ecs = this.#deps.ports.ecs;
    const tasks = await retryTransient(pollContext(this.#deps), 'stopped tasks', () =>
      ecs.listStoppedTasks(this.#cluster, this.#service, this.#since),
    ).catch(() => []);
    const failed: TaskSnapshot[] = [];
    for (const t of tasks) {
      if (this.#seenTasks.has(t.arn)) continue;
      this.#seenTasks.add(t.arn);
      // Old tasks the rollout scaled in are not news.
      if (/^Scaling activity initiated by/i.test(t.stoppedReason ?? '')) continue;
      const exit = t.containers.find((c) => c.exitCode !== undefined)?.exitCode;
      this.#deps.emit({
        type: 'task_stopped',
        service: this.#service,
        taskArn: t.arn,
        ...(t.stopCode ? { stopCode: t.stopCode } : {}),
        ...(t.stoppedReason ? { reason: t.stoppedReason } : {}),
        ...(exit !== undefined ? { exitCode: exit } : {}),
      });
      if (t.taskDefinitionArn === this.#releaseArn && isFailedTask(t)) failed.push(t);
    }
    // Oldest first: the first failures are the informative ones.
    failed.sort((a, b) => (a.stoppedAt?.getTime() ?? 0) - (b.stoppedAt?.getTime() ?? 0));
    for (const t of failed) {
      if (!this.#taskLogs.wanted) break;
      await this.#taskLogs.report(t);
    }
  }
}

/** One observer per service for the whole run, so nothing is reported twice between watch and rollback. */
export class Observers {
  readonly #deps: Deps;
  readonly #cluster: string;
  readonly #known: Map<string, string[]>;
  readonly #since: Date;
  readonly #all = new Map<string, ServiceObserver>();

  constructor(deps: Deps, cluster: string, known: Map<string, string[]>) {
    this.#deps = deps;
    this.#cluster = cluster;
    this.#known = known;
    this.#since = deps.clock.now();
  }

  get(service: string): ServiceObserver {
    let o = this.#all.get(service);
    if (!o) {
      o = new ServiceObserver(
        this.#deps,
        this.#cluster,
        service,
        this.#since,
        this.#known.get(service) ?? [],
      );
      this.#all.set(service, o);
    }
    return o;
  }
}
