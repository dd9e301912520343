import { formatDuration } from '../../config/duration.ts';
import { ExitCode } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';

type Of<T extends FerryEvent['type']> = Extract<FerryEvent, { type: T }>;

/** What each exit code of docs/architecture.md means, in the words a person needs at the end of a run. */
export const EXIT_MEANING: Record<ExitCode, string> = {
  [ExitCode.Ok]: 'done: the target runs the requested version and passed its checks',
  [ExitCode.ReleaseFailed]: 'the release failed and the environment was restored',
  [ExitCode.Usage]: 'bad usage, config or precondition: nothing was changed',
  [ExitCode.NeedsPerson]: 'the rollback failed or the state is unknown: a person must look now',
  [ExitCode.Locked]: 'another deployment holds the lock: nothing was changed',
  [ExitCode.Interrupted]: 'interrupted: the lock was released',
};

/** What the run's exit code means for this run: a dry run or a build is not a release. */
export function meaningOf(event: Of<'result'>): string | undefined {
  if (event.dryRun) return 'dry run: nothing was changed';
  return event.meaning ?? EXIT_MEANING[event.exitCode as ExitCode];
}

/** The plan's image as `uri@sha256:...`, whether or not the event's image already carries the digest. */
export function pinned(event: Of<'plan'>): string {
  return event.image.includes('@') ? event.image : `${event.image}@${event.digest}`;
}

export function describeStep(event: Of<'step'>): string {
  const timing = event.status === 'start' ? '' : ` ${formatDuration(event.elapsedMs)}`;
  const detail = event.detail ? `: ${event.detail}` : '';
  return `${event.step} ${event.status}${timing}${detail}`;
}

export function describeDeployment(d: Of<'progress'>['deployments'][number]): string {
  const rollout = d.rolloutState ? ` ${d.rolloutState}` : '';
  const failed = d.failed > 0 ? ` failed ${d.failed}` : '';
  return `${d.role} ${d.status}${rollout} running ${d.running}/${d.desired} pending ${d.pending}${failed}`;
}

export function describeProgress(event: Of<'progress'>): string {
  return `${event.service} ${event.deployments.map(describeDeployment).join(' | ')}`;
}

/** The task id at the end of a task ARN, as the ECS console and awslogs stream names show it. */
export function taskIdOf(taskArn: string): string {
  return taskArn.split('/').pop() || taskArn;
}

export function describeTaskStopped(event: Of<'task_stopped'>): string {
  const task = taskIdOf(event.taskArn);
  const parts = [event.service ? `${event.service} task ${task}` : `task ${task}`, 'stopped'];
  if (event.stopCode) parts.push(`(${event.stopCode})`);
  if (event.exitCode !== undefined) parts.push(`exit ${event.exitCode}`);
  const reason = event.reason ? `: ${event.reason}` : '';
  return `${parts.join(' ')}${reason}`;
}

export function describeHealth(event: Of<'health'>): string {
  const status = event.status !== undefined ? ` ${event.status}` : '';
  const version = event.version !== undefined ? ` version=${event.version}` : '';
  const verdict = event.ok ? `ok (${event.consecutive} in a row)` : 'failed';
  const error = event.error ? `: ${event.error}` : '';
  return `${event.url}${status}${version} ${verdict}${error}`;
}

/** The first line of the result: what happened, then the exit code and what it means here. */
export function headline(event: Of<'result'>): string {
  const meaning = meaningOf(event);
  if (event.dryRun) return `${meaning} (exit ${event.exitCode})`;
  // A manual rollback that worked is a deploy of an earlier release; say which way it went.
  const what =
    event.kind === 'rollback' && event.outcome === 'deployed' && event.sha
      ? `rolled back to ${event.sha.slice(0, 7)}`
      : event.outcome;
  return `${what} (exit ${event.exitCode}${meaning ? `: ${meaning}` : ''})`;
}

/** The end of a run, one fact per line: outcome and exit code first, then what identifies the release, then what to do. */
export function resultLines(event: Of<'result'>): { label: string; value: string }[] {
  const lines = [{ label: 'outcome', value: headline(event) }];
  const facts: [string, string | undefined][] = [
    ['env', event.env],
    ['sha', event.sha],
    ['digest', event.digest],
    ['task definition', event.taskDefinitionArn],
    ['snapshot', event.snapshotId],
    ['reason', event.reason],
  ];
  for (const [label, value] of facts) if (value) lines.push({ label, value });
  for (const next of event.next ?? []) lines.push({ label: 'next', value: next });
  return lines;
}
