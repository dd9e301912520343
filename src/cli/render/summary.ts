import { appendFile } from 'node:fs/promises';
import { formatDuration } from '../../config/duration.ts';
import { ExitCode } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';
import { meaningOf, taskIdOf } from './describe.ts';
import type { StepRow } from './steps.ts';
import { sanitize } from './text.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;

export interface JobSummaryInput {
  title: string;
  steps: readonly StepRow[];
  result: Result | undefined;
  /** For steps still running when the run ended. */
  now: number;
  /** What the failed tasks printed (task_log events), per task in the order they came. */
  taskLogs?: readonly TaskLogExcerpt[];
}

export interface TaskLogExcerpt {
  service: string;
  taskArn: string;
  lines: string[];
}

/** Collects task_log events into one excerpt per task, for the job summary. */
export class TaskLogCollector {
  readonly #byTask = new Map<string, TaskLogExcerpt>();

  add(event: Extract<FerryEvent, { type: 'task_log' }>): void {
    let excerpt = this.#byTask.get(event.taskArn);
    if (!excerpt) {
      // The pipeline reads a few tasks per service; this only guards the summary's size.
      if (this.#byTask.size >= MAX_SUMMARY_TASKS) return;
      excerpt = { service: event.service, taskArn: event.taskArn, lines: [] };
      this.#byTask.set(event.taskArn, excerpt);
    }
    if (excerpt.lines.length < MAX_SUMMARY_LINES) excerpt.lines.push(event.message);
  }

  get excerpts(): TaskLogExcerpt[] {
    return [...this.#byTask.values()];
  }
}

const MAX_SUMMARY_TASKS = 6;
const MAX_SUMMARY_LINES = 40;

const OUTCOME_EMOJI: Record<string, string> = {
  deployed: '✅',
  ok: '✅',
  rolled_back: '↩️',
  failed: '❌',
  aborted: '⛔',
};

const STATE_LABEL: Record<StepRow['state'], string> = {
  done: '✅ done',
  failed: '❌ failed',
  skipped: '⏭️ skipped',
  running: '⏳ unfinished',
};

// core.summary wraps text in HTML without escaping it; event text comes from outside.
function html(text: string): string {
  return sanitize(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\n/g, '<br>');
}

function code(text: string): string {
  return `<code>${html(text)}</code>`;
}

/** A <pre> block keeps line breaks itself and, unlike a table cell, survives blank lines in Markdown. */
function pre(lines: readonly string[]): string {
  const text = lines
    .map((line) => sanitize(line).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'))
    .join('\n');
  return `<pre>${text}</pre>`;
}

function summaryOutcome(result: Result): string {
  if (result.kind === 'rollback' && result.outcome === 'deployed' && result.sha)
    return `rolled back to ${result.sha.slice(0, 7)}`;
  return result.outcome.replace('_', ' ');
}

/** The job summary (GitHub-flavoured Markdown with HTML) built with @actions/core's summary builder. */
export async function renderJobSummary(input: JobSummaryInput): Promise<string> {
  const { summary } = await import('@actions/core');
  const { result } = input;
  const emoji = !result
    ? '❓'
    : result.exitCode === ExitCode.NeedsPerson
      ? '🚨'
      : (OUTCOME_EMOJI[result.outcome] ?? '❔');
  const outcome = result
    ? `<b>${html(result.dryRun ? 'dry run' : summaryOutcome(result))}</b> · exit ${result.exitCode}: ${html(meaningOf(result) ?? '')}`
    : '<b>no result</b>: ferry stopped before reporting one; run <code>ferry status</code>';

  const facts: [string, string | undefined][] = [
    ['Environment', result?.env && html(result.env)],
    ['SHA', result?.sha && code(result.sha)],
    ['Digest', result?.digest && code(result.digest)],
    ['Task definition', result?.taskDefinitionArn && code(result.taskDefinitionArn)],
    ['Snapshot', result?.snapshotId && code(result.snapshotId)],
    ['Promotion', result?.skippedPromotion ? '⚠️ skipped with <code>--skip-promotion</code>' : undefined],
  ];
  const stepRows = input.steps.map((step) => [
    html(step.name),
    STATE_LABEL[step.state],
    formatDuration(step.elapsedMs ?? Math.max(0, input.now - step.startedAt)),
    // core's builder leaves an empty cell unclosed (`<td>`), so give it a space.
    step.detail ? html(step.detail) : ' ',
  ]);

  // The builder is a shared singleton: build and take the text without awaiting in between.
  summary.emptyBuffer();
  summary.addHeading(`${emoji} ferry ${html(input.title)}`, 2);
  summary.addRaw(`<p>${outcome}</p>`, true);
  const present = facts.filter((fact): fact is [string, string] => Boolean(fact[1]));
  if (present.length > 0)
    summary.addTable(present.map(([label, value]) => [{ data: label, header: true }, value]));
  if (stepRows.length > 0) {
    summary.addHeading('Steps', 3);
    summary.addTable([
      ['Step', 'Status', 'Time', 'Detail'].map((data) => ({ data, header: true })),
      ...stepRows,
    ]);
  }
  if (result?.reason) {
    summary.addHeading(result.outcome === 'rolled_back' ? 'Rollback reason' : 'Reason', 3);
    summary.addQuote(html(result.reason));
  }
  if (result?.next && result.next.length > 0) {
    summary.addHeading('Next steps', 3);
    summary.addList(result.next.map(html));
  }
  const logs = (input.taskLogs ?? []).filter((excerpt) => excerpt.lines.length > 0);
  if (logs.length > 0) {
    summary.addHeading('Failed task logs', 3);
    for (const excerpt of logs) {
      summary.addRaw(`<p>${code(excerpt.service)} task ${code(taskIdOf(excerpt.taskArn))}</p>`, true);
      summary.addRaw(pre(excerpt.lines), true);
    }
  }
  const text = summary.stringify();
  summary.emptyBuffer();
  return text;
}

/** Appends the summary to the job's GITHUB_STEP_SUMMARY file. */
export async function writeJobSummary(path: string, input: JobSummaryInput): Promise<void> {
  await appendFile(path, await renderJobSummary(input), 'utf8');
}
