import { appendFile } from 'node:fs/promises';
import { formatDuration } from '../../config/duration.ts';
import type { FerryEvent } from '../../pipeline/events.ts';
import { EXIT_MEANING } from './describe.ts';
import type { StepRow } from './steps.ts';
import { sanitize } from './text.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;

export interface JobSummaryInput {
  title: string;
  steps: readonly StepRow[];
  result: Result | undefined;
  /** For steps still running when the run ended. */
  now: number;
}

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

/** The job summary (GitHub-flavoured Markdown with HTML) built with @actions/core's summary builder. */
export async function renderJobSummary(input: JobSummaryInput): Promise<string> {
  const { summary } = await import('@actions/core');
  const { result } = input;
  const emoji = !result ? '❓' : result.exitCode === 3 ? '🚨' : (OUTCOME_EMOJI[result.outcome] ?? '❔');
  const outcome = result
    ? `<b>${html(result.outcome.replace('_', ' '))}</b> · exit ${result.exitCode}: ${html(EXIT_MEANING[result.exitCode] ?? '')}`
    : '<b>no result</b>: ferry stopped before reporting one; run <code>ferry status</code>';

  const facts: [string, string | undefined][] = [
    ['Environment', result?.env && html(result.env)],
    ['SHA', result?.sha && code(result.sha)],
    ['Digest', result?.digest && code(result.digest)],
    ['Task definition', result?.taskDefinitionArn && code(result.taskDefinitionArn)],
    ['Snapshot', result?.snapshotId && code(result.snapshotId)],
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
  const text = summary.stringify();
  summary.emptyBuffer();
  return text;
}

/** Appends the summary to the job's GITHUB_STEP_SUMMARY file. */
export async function writeJobSummary(path: string, input: JobSummaryInput): Promise<void> {
  await appendFile(path, await renderJobSummary(input), 'utf8');
}
