/**
 * What a failed task of the release printed before it stopped: the tail of its
 * container's awslogs stream (`<prefix>/<container>/<taskId>`), read only when a
 * task failed and only for the first few, so a healthy rollout costs nothing and
 * a failing one a handful of calls. Reading logs never fails a release.
 */
import { type Deps, debug } from './context.ts';
import { errorText } from './poll.ts';
import type { ContainerSnapshot, LogReader, TaskDefinitionSnapshot, TaskSnapshot } from './ports.ts';
import { migrationLogStream, taskId } from './resource-names.ts';

/** Lines shown per failed task. */
export const TASK_LOG_LINES = 20;
/** Failed tasks whose logs are read, per service and release: the first failures are the informative ones. */
export const TASK_LOG_TASKS = 2;
// A crashed container rarely fills one page (1 MB); a chatty one must not cost more than a few calls.
const MAX_PAGES = 3;

const FAILURE_STOP_CODES = new Set(['TaskFailedToStart', 'EssentialContainerExited']);
const FAILURE_REASON = /fail|unhealthy|error|exited|cannot|unable|OutOfMemory|OOM|killed|denied|timed? ?out/i;

/** A stopped task that failed, as opposed to one scaled in or stopped on purpose with a clean exit. */
export function isFailedTask(task: TaskSnapshot): boolean {
  if (/^Scaling activity initiated by/i.test(task.stoppedReason ?? '')) return false;
  if (task.stopCode && FAILURE_STOP_CODES.has(task.stopCode)) return true;
  if (FAILURE_REASON.test(task.stoppedReason ?? '')) return true;
  return task.containers.some((c) => c.exitCode === undefined || c.exitCode !== 0);
}

type LoggedContainer = ContainerSnapshot & { logs: NonNullable<ContainerSnapshot['logs']> };

/** The container whose output explains the failure: one that exited non-zero, else the first that logs. */
export function failedContainer(
  task: TaskSnapshot,
  revision: TaskDefinitionSnapshot,
): LoggedContainer | undefined {
  const logged = revision.containers.filter((c): c is LoggedContainer => c.logs !== undefined);
  const crashed = task.containers.filter((c) => c.exitCode !== undefined && c.exitCode !== 0);
  const inTask = (c: LoggedContainer) => task.containers.some((t) => t.name === c.name);
  return logged.find((c) => crashed.some((t) => t.name === c.name)) ?? logged.find(inTask) ?? logged[0];
}

/**
 * The last `lines` events of a stream: one call where the reader can read
 * backwards, else read forward in at most MAX_PAGES calls. Empty when it does not exist.
 */
export async function readTail(
  logs: LogReader,
  group: string,
  stream: string,
  lines = TASK_LOG_LINES,
): Promise<{ timestamp: Date; message: string }[]> {
  if (logs.readTail) return (await logs.readTail(group, stream, lines)).slice(-lines);
  let tail: { timestamp: Date; message: string }[] = [];
  let token: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await logs.readStream(group, stream, token);
    tail = [...tail, ...batch.events].slice(-lines);
    const advanced = batch.nextToken !== undefined && batch.nextToken !== token;
    if (!advanced || batch.events.length === 0) break;
    token = batch.nextToken;
  }
  return tail;
}

/** Per service and release: reports the log tails of its first TASK_LOG_TASKS failed tasks. */
export class FailedTaskLogs {
  readonly #deps: Deps;
  readonly #service: string;
  readonly #revisions = new Map<string, Promise<TaskDefinitionSnapshot>>();
  #read = 0;

  constructor(deps: Deps, service: string) {
    this.#deps = deps;
    this.#service = service;
  }

  /** Whether another failed task's logs would still be read. */
  get wanted(): boolean {
    return this.#read < TASK_LOG_TASKS;
  }

  async report(task: TaskSnapshot): Promise<void> {
    if (!this.wanted) return;
    this.#read += 1;
    const deps = this.#deps;
    try {
      const revision = await this.#revision(task.taskDefinitionArn);
      const container = failedContainer(task, revision);
      if (!container) return;
      const stream = migrationLogStream(container.logs.streamPrefix, container.name, task.arn);
      const lines = await readTail(deps.ports.logs, container.logs.group, stream);
      for (const line of lines) {
        deps.emit({
          type: 'task_log',
          service: this.#service,
          taskArn: task.arn,
          message: line.message,
          timestamp: line.timestamp.toISOString(),
        });
      }
    } catch (err) {
      if (deps.signal.aborted) throw err;
      debug(deps, `cannot read the logs of task ${taskId(task.arn)} of ${this.#service}: ${errorText(err)}`);
    }
  }

  #revision(arn: string): Promise<TaskDefinitionSnapshot> {
    let revision = this.#revisions.get(arn);
    if (!revision) {
      revision = this.#deps.ports.ecs.describeTaskDefinition(arn);
      // A failed lookup may be retried by the next failed task.
      revision.catch(() => this.#revisions.delete(arn));
      this.#revisions.set(arn, revision);
    }
    return revision;
  }
}
