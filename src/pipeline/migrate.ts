/**
 * The migration: one task of the new revision running the config's command,
 * waited to STOPPED (a fast task goes straight there), exit code 0 required,
 * its CloudWatch log lines streamed as they come.
 */
import { type Deps, info, pollContext, warn } from './context.ts';
import { errorText, isTransient, pollUntil, retryTransient } from './poll.ts';
import { TaskNotStartedError } from './port-errors.ts';
import type { ContainerSnapshot, TaskSnapshot } from './ports.ts';
import { migrationLogStream } from './resource-names.ts';
import { judgeMigration } from './verdicts.ts';

export type MigrationResult =
  | { ok: true; taskArn: string }
  | {
      ok: false;
      taskArn?: string;
      reason: string;
      /** What a person can do about it, when the failure says (ECS's hint for a task it did not start). */
      next?: string[];
      /** Set when ferry had to stop the task itself: whether ECS then reported it STOPPED. */
      stop?: StopOutcome;
      /** The run was interrupted (a signal) while the task ran. */
      interrupted?: true;
    };

export interface StopOutcome {
  stopped: boolean;
  detail: string;
}

/**
 * How long an interrupted run waits for its migration task to stop. GitHub
 * kills a cancelled job 10 s after its first signal: this leaves time to
 * record the run and release the lock.
 */
export const INTERRUPT_STOP_WAIT_MS = 4_000;
/** Otherwise: ECS gives a container 30 s (its default stopTimeout) between SIGTERM and SIGKILL. */
export const STOP_WAIT_MS = 60_000;
const STOP_POLL_MS = 250;

export interface MigrationInput {
  cluster: string;
  taskDefinitionArn: string;
  container: string;
  command: string[];
  network: { subnets: string[]; securityGroups: string[]; assignPublicIp: boolean };
  timeoutMs: number;
  /** awslogs settings of the container, from the revision. */
  logs?: ContainerSnapshot['logs'];
  startedBy: string;
}

export async function runMigration(deps: Deps, input: MigrationInput): Promise<MigrationResult> {
  const ecs = deps.ports.ecs;
  let task: TaskSnapshot;
  try {
    task = await ecs.runTask({
      cluster: input.cluster,
      taskDefinitionArn: input.taskDefinitionArn,
      container: input.container,
      command: input.command,
      network: input.network,
      startedBy: input.startedBy,
    });
  } catch (err) {
    if (deps.signal.aborted) throw err;
    if (err instanceof TaskNotStartedError) {
      // ECS answered: no task runs, so this is a failed migration with a cause to fix, not a lost one.
      return { ok: false, reason: `RunTask failed: ${err.message}`, next: [err.hint] };
    }
    return { ok: false, reason: `RunTask failed: ${errorText(err)}` };
  }
  info(deps, `migration task ${task.arn}: ${JSON.stringify(input.command)}`);
  const tail = logTail(deps, input, task.arn);
  const poll = pollContext(deps);
  let stopped: TaskSnapshot | undefined;
  try {
    stopped = await pollUntil(poll, input.timeoutMs, async () => {
      const now = await retryTransient(poll, 'migration task', () =>
        ecs.describeTask(input.cluster, task.arn),
      );
      await tail.read();
      return now && now.lastStatus === 'STOPPED' ? now : undefined;
    });
  } catch (err) {
    if (deps.signal.aborted) {
      const stop = await stopAndWait(
        deps,
        input.cluster,
        task.arn,
        'the release was interrupted',
        INTERRUPT_STOP_WAIT_MS,
      );
      return {
        ok: false,
        taskArn: task.arn,
        reason: 'interrupted during the migration',
        stop,
        interrupted: true,
      };
    }
    // Lost track of it (AWS kept failing): a task nobody watches must not go on running.
    const stop = await stopAndWait(
      deps,
      input.cluster,
      task.arn,
      'ferry lost track of the migration',
      STOP_WAIT_MS,
    );
    return {
      ok: false,
      taskArn: task.arn,
      reason: `lost track of the migration (${errorText(err)}); ferry stopped it`,
      stop,
    };
  }
  if (!stopped) {
    const stop = await stopAndWait(deps, input.cluster, task.arn, 'migration timed out', STOP_WAIT_MS);
    return {
      ok: false,
      taskArn: task.arn,
      reason: `the migration did not finish within ${Math.round(input.timeoutMs / 1000)}s; ferry stopped it`,
      stop,
    };
  }
  // Lines written just before the container stopped reach CloudWatch a moment later.
  await tail.read();
  const verdict = judgeMigration(stopped, input.container);
  return verdict.state === 'succeeded'
    ? { ok: true, taskArn: task.arn }
    : { ok: false, taskArn: task.arn, reason: verdict.state === 'failed' ? verdict.reason : 'not stopped' };
}

/**
 * StopTask, then wait (bounded, and deaf to an abort that got us here) until ECS
 * reports the task STOPPED: only then may the lock go.
 */
async function stopAndWait(
  deps: Deps,
  cluster: string,
  taskArn: string,
  why: string,
  waitMs: number,
): Promise<StopOutcome> {
  const ecs = deps.ports.ecs;
  const deadline = deps.clock.now().getTime() + waitMs;
  let detail = `not seen STOPPED within ${waitMs / 1000}s`;
  try {
    await ecs.stopTask(cluster, taskArn, `ferry: ${why}`);
    info(deps, `${why}: asked ECS to stop the migration task ${taskArn}`);
  } catch (err) {
    detail = `StopTask failed: ${errorText(err)}`;
    warn(deps, `could not stop migration task ${taskArn}: ${errorText(err)}`);
  }
  while (deps.clock.now().getTime() < deadline) {
    const task = await ecs.describeTask(cluster, taskArn).catch(() => undefined);
    if (task?.lastStatus === 'STOPPED') {
      info(deps, `migration task ${taskArn} is STOPPED`);
      return { stopped: true, detail: 'STOPPED' };
    }
    await deps.clock.sleep(STOP_POLL_MS);
  }
  return { stopped: false, detail };
}

/** Streams `<prefix>/<container>/<taskId>` forward; missing logs are never a reason to fail. */
function logTail(deps: Deps, input: MigrationInput, taskArn: string) {
  const logs = input.logs;
  let token: string | undefined;
  let broken = false;
  return {
    async read(): Promise<void> {
      if (!logs || broken) return;
      const stream = migrationLogStream(logs.streamPrefix, input.container, taskArn);
      try {
        for (let page = 0; page < 20; page++) {
          const batch = await deps.ports.logs.readStream(logs.group, stream, token);
          for (const e of batch.events) {
            deps.emit({ type: 'migration_log', message: e.message, timestamp: e.timestamp.toISOString() });
          }
          const advanced = batch.nextToken !== undefined && batch.nextToken !== token;
          if (batch.nextToken) token = batch.nextToken;
          if (!advanced || batch.events.length === 0) break;
        }
      } catch (err) {
        if (deps.signal.aborted) throw err;
        if (isTransient(err)) return;
        broken = true;
        warn(deps, `cannot read the migration's logs (${logs.group} ${stream}): ${errorText(err)}`);
      }
    },
  };
}
