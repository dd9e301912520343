import { ExitCode } from '../../errors.ts';
import type { FerryEvent, StepName } from '../../pipeline/events.ts';
import { describeStep, describeTaskStopped } from './describe.ts';
import { sanitize } from './text.ts';

/*
 * The Actions runner turns two kinds of log line into commands
 * (actions/runner ActionCommand.cs): a line that starts with `::` after leading
 * whitespace, and a line that contains the legacy `##[` prefix anywhere. Event
 * text comes from outside (service events, container logs, error messages), so
 * no line ferry prints may take either form unless ferry meant it to.
 *
 * @actions/core's own commands write to process.stdout, which --json reserves
 * for NDJSON, so the commands are formatted here with core's escaping rules
 * (command.ts: escapeData, escapeProperty) and written to stderr, which the
 * runner reads for commands too.
 */

const LEGACY_PREFIX = /##\[/g;

/** A log line that cannot be read as a workflow command. */
export function neutralize(line: string): string {
  const out = line.replace(LEGACY_PREFIX, '#\u200b#[');
  return out.trimStart().startsWith('::') ? `| ${out}` : out;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function workflowCommand(name: string, properties: Record<string, string>, message: string): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  // The runner tries `::` first, but a `##[` left in the line would be a second way in: remove it anyway.
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`.replace(LEGACY_PREFIX, '#\u200b#[');
}

// GitHub shows at most 10 error and 10 warning annotations per step; keep room for the ones that matter most.
const MAX_ANNOTATIONS = 8;

/**
 * Log groups (one per step, groups cannot nest) and annotations for failures.
 * `before` runs before an event's log lines are written, `after` after them.
 */
export class GitHubLog {
  private openGroup: StepName | undefined;
  private readonly seen = new Set<string>();
  private counts = { error: 0, warning: 0 };
  private readonly title: string;

  constructor(title: string) {
    this.title = sanitize(title).replace(/\n/g, ' ');
  }

  before(event: FerryEvent): string[] {
    if (event.type !== 'step' || event.status !== 'start') return [];
    const lines = this.endGroup();
    this.openGroup = event.step;
    lines.push(workflowCommand('group', {}, `step ${event.step}`));
    return lines;
  }

  after(event: FerryEvent): string[] {
    switch (event.type) {
      case 'step': {
        if (event.status === 'start') return [];
        const lines = this.openGroup === event.step ? this.endGroup() : [];
        if (event.status === 'failed') {
          lines.push(...this.annotate('error', `step ${event.step} failed`, describeStep(event)));
        }
        return lines;
      }
      case 'log':
        if (event.level === 'error') return this.annotate('error', 'error', event.message);
        if (event.level === 'warn') return this.annotate('warning', 'warning', event.message);
        return [];
      case 'service_event':
        return event.failure ? this.annotate('warning', `ECS ${event.service}`, event.message) : [];
      case 'task_stopped':
        return event.exitCode !== undefined && event.exitCode !== 0
          ? this.annotate('warning', 'task stopped', describeTaskStopped(event))
          : [];
      case 'result': {
        const lines = this.endGroup();
        if (event.exitCode === ExitCode.Ok) return lines;
        const body = [
          event.reason ?? event.outcome,
          event.snapshotId ? `snapshot: ${event.snapshotId}` : undefined,
          ...(event.next ?? []).map((next) => `next: ${next}`),
        ].filter((line) => line !== undefined);
        // The outcome is the one annotation that must always appear.
        this.counts.error = Math.min(this.counts.error, MAX_ANNOTATIONS - 1);
        lines.push(...this.annotate('error', `${event.outcome} (exit ${event.exitCode})`, body.join('\n')));
        return lines;
      }
      default:
        return [];
    }
  }

  close(): string[] {
    return this.endGroup();
  }

  private endGroup(): string[] {
    if (this.openGroup === undefined) return [];
    this.openGroup = undefined;
    return ['::endgroup::'];
  }

  private annotate(kind: 'error' | 'warning', what: string, message: string): string[] {
    const text = sanitize(message);
    const key = `${kind}\n${what}\n${text}`;
    if (this.seen.has(key) || this.counts[kind] >= MAX_ANNOTATIONS) return [];
    this.seen.add(key);
    this.counts[kind]++;
    return [workflowCommand(kind, { title: `${this.title}: ${sanitize(what)}` }, text)];
  }
}
