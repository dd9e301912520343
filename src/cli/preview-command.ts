/**
 * `ferry preview`'s output: the report on the terminal (or stderr with --json),
 * one `change` event per resource and a result, the GitHub job summary, and
 * with --comment the pull request's comment. The report and its verdict are src/infra's.
 */
import { appendFile } from 'node:fs/promises';
import { ExitCode } from '../errors.ts';
import type { PreviewReport } from '../infra/model.ts';
import { type PreviewSeams, previewReport, previewVerdict } from '../infra/preview.ts';
import { renderPreviewMarkdown, renderPreviewText } from '../infra/render.ts';
import { readGitHubRun } from './announce/github-run.ts';
import { warningWriter } from './announce/index.ts';
import { upsertPreviewComment } from './announce/pr-comment.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { makeColors } from './render/mode.ts';

/** What `ferry preview`'s options say. */
export interface PreviewCommandAsk {
  env: string;
  offline: boolean;
  base: string;
  comment: boolean;
  allowDanger: boolean;
}

export async function runPreviewCommand(
  ctx: CliContext,
  ask: PreviewCommandAsk,
  seams: PreviewSeams,
): Promise<number> {
  const report = await previewReport(
    {
      env: ask.env,
      offline: ask.offline,
      base: ask.base,
      cwd: ctx.cwd,
      processEnv: ctx.env,
      nodePath: process.execPath,
      onProgress: (message) => {
        // A few seconds of silence on a terminal looks like a hang.
        if (ctx.globals.verbose || ctx.isTTY) ctx.stderr.write(`ferry: ${message}\n`);
      },
    },
    seams,
  );

  const out = new DataOutput(ctx);
  const textStream = (out.json ? ctx.stderr : ctx.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
  const paint = makeColors(Boolean(textStream.isTTY) && ctx.runtime.color);
  out.text(renderPreviewText(report, { paint, verbose: ctx.globals.verbose }));
  for (const change of report.changes) {
    const { type, ...rest } = change;
    out.data('change', { resourceType: type, ...rest });
  }
  await writeSummary(report, ctx);
  if (ask.comment) await commentOnPullRequest(report, ctx);
  const { dangerous, refuse } = previewVerdict(report, ask.allowDanger);
  if (refuse) {
    ctx.stderr.write(
      `ferry: ${dangerous} dangerous change${dangerous === 1 ? '' : 's'} (see DANGER above): exit 2. If they are intended, accept them with --allow-danger\n`,
    );
  }
  out.result({
    ...(refuse ? { outcome: 'failed', exitCode: ExitCode.Usage } : {}),
    env: report.env,
    mode: report.mode,
    ...(report.base ? { base: report.base } : {}),
    summary: report.summary,
    dangerous,
    config: report.config,
    outputs: report.outputs,
    notes: report.notes,
  });
  return refuse ? ExitCode.Usage : ExitCode.Ok;
}

/** `--comment`: a failure is a warning; the preview already succeeded. */
async function commentOnPullRequest(report: PreviewReport, ctx: CliContext): Promise<void> {
  const outcome = await upsertPreviewComment(
    readGitHubRun(ctx.runtime),
    report.env,
    renderPreviewMarkdown(report),
  );
  const warn = warningWriter(ctx.stderr, ctx.runtime);
  if ('skipped' in outcome) warn(`--comment: ${outcome.skipped}`);
  else
    ctx.stderr.write(`ferry: ${outcome.done} the preview comment${outcome.url ? ` ${outcome.url}` : ''}\n`);
}

/** In GitHub Actions, the preview goes into the job summary too (the PR's reviewers read it there). */
async function writeSummary(report: PreviewReport, ctx: CliContext): Promise<void> {
  const path = ctx.runtime.github.stepSummary;
  if (!path) return;
  try {
    await appendFile(path, renderPreviewMarkdown(report), 'utf8');
  } catch (err) {
    ctx.stderr.write(`ferry: could not write the GitHub job summary: ${(err as Error).message}\n`);
  }
}
