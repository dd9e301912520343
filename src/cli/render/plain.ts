import type { FerryEvent } from '../../pipeline/events.ts';
import {
  describeHealth,
  describeProgress,
  describeStep,
  describeTaskStopped,
  pinned,
  resultLines,
  taskIdOf,
} from './describe.ts';
import { type GitHubLog, neutralize } from './github.ts';
import { compactServiceEvent } from './shorten.ts';
import type { Sink } from './sink.ts';
import { sanitize } from './text.ts';

/** `2026-11-22T23:10:01Z`: second precision reads best in a log and sorts as text. */
export function logTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** [kind, text] pairs: the first word of a plain line says what the rest is. */
export function plainLines(event: FerryEvent): [string, string][] {
  switch (event.type) {
    case 'step':
      return [['step', describeStep(event)]];
    case 'log':
      return [[event.level, event.message]];
    case 'plan':
      return [
        ['plan', `${event.env} ${event.sha} ${pinned(event)}`],
        ...event.lines.map((line): [string, string] => ['plan', `  ${line}`]),
      ];
    case 'progress':
      return [['progress', describeProgress(event)]];
    case 'service_event':
      return [['event', `${event.service} ${compactServiceEvent(event.service, event.message)}`]];
    case 'task_stopped':
      return [['task', describeTaskStopped(event)]];
    case 'migration_log':
      return [['migrate', event.message]];
    case 'task_log': {
      // Every line of the container's output says whose it is, so a grep for the task finds them all.
      const who = `${event.service} ${taskIdOf(event.taskArn)} |`;
      return sanitize(event.message)
        .split('\n')
        .map((line): [string, string] => ['task-log', `${who} ${line}`]);
    }
    case 'health':
      return [['health', describeHealth(event)]];
    case 'result':
      return resultLines(event).map(({ label, value }) => [label === 'outcome' ? 'result' : label, value]);
  }
}

/**
 * Timestamped lines for logs that are not a terminal (CI, files, --json's
 * stderr): no colour, no cursor movement, one line per fact.
 */
export class PlainSink implements Sink {
  private readonly out: NodeJS.WritableStream;
  private readonly now: () => Date;
  private readonly verbose: boolean;
  private readonly title: string;
  private readonly github: GitHubLog | undefined;
  private readonly lastProgress = new Map<string, string>();
  private started = false;

  constructor(opts: {
    out: NodeJS.WritableStream;
    now: () => Date;
    verbose: boolean;
    title: string;
    github?: GitHubLog;
  }) {
    this.out = opts.out;
    this.now = opts.now;
    this.verbose = opts.verbose;
    this.title = opts.title;
    this.github = opts.github;
  }

  emit(event: FerryEvent): void {
    const lines = this.start();
    lines.push(...(this.github?.before(event) ?? []));
    if (this.shows(event)) lines.push(...this.format(plainLines(event)));
    lines.push(...(this.github?.after(event) ?? []));
    this.write(lines);
  }

  close(): void {
    this.write([...this.start(), ...(this.github?.close() ?? [])]);
  }

  private start(): string[] {
    if (this.started) return [];
    this.started = true;
    return this.format([['ferry', this.title]]);
  }

  private shows(event: FerryEvent): boolean {
    if (event.type === 'log' && event.level === 'debug') return this.verbose;
    if (event.type !== 'progress') return true;
    // Polls repeat the same counts every few seconds; a log only needs the changes.
    const text = describeProgress(event);
    if (this.lastProgress.get(event.service) === text) return false;
    this.lastProgress.set(event.service, text);
    return true;
  }

  private format(pairs: [string, string][]): string[] {
    const ts = logTimestamp(this.now());
    const lines: string[] = [];
    for (const [kind, text] of pairs) {
      for (const piece of sanitize(text).split('\n')) {
        const line = `${ts} ${kind} ${piece}`.trimEnd();
        lines.push(this.github ? neutralize(line) : line);
      }
    }
    return lines;
  }

  private write(lines: string[]): void {
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }
}
