import { appendFile } from 'node:fs/promises';
import { isValidName, NAME_RULE } from '../../config/name-rule.ts';
import { ExitCode, usageError } from '../../errors.ts';
import type { PreviewReport } from '../../infra/model.ts';
import { checkEnvironment, locateStacks, previewOffline } from '../../infra/offline.ts';
import {
  automationRunner,
  findPulumiCli,
  missingCliError,
  type PreviewRunner,
  previewOnline,
} from '../../infra/online.ts';
import { renderPreviewMarkdown, renderPreviewText } from '../../infra/render.ts';
import { readGitHubRun } from '../announce/github-run.ts';
import { warningWriter } from '../announce/index.ts';
import { upsertPreviewComment } from '../announce/pr-comment.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { makeColors } from '../render/mode.ts';

export interface PreviewOptions {
  offline?: boolean;
  /** Also upsert the report as a comment on the pull request (GitHub Actions, same-repository PRs). */
  comment?: boolean;
  allowDanger?: boolean;
  base?: string;
  args?: unknown[];
}

/** Seams for tests: the Automation API and the CLI lookup. */
export interface PreviewDeps {
  runner?: PreviewRunner;
  findCli?: (env: NodeJS.ProcessEnv) => Promise<string | undefined>;
}

export function run(options: PreviewOptions, ctx: CliContext): Promise<number> {
  return runPreview(options, ctx, {});
}

/**
 * `ferry preview <env> [--offline [--base REF]] [--allow-danger]`: what `pulumi up`
 * would change, dangers first. Read-only. Exit 0 when the preview ran and found
 * no DANGER (warnings are fine); exit 2 when a change would replace or delete a
 * database, a repository or the descriptor, so that a pull-request check goes
 * red, unless --allow-danger accepts it. Nothing is changed either way.
 */
export async function runPreview(
  options: PreviewOptions,
  ctx: CliContext,
  deps: PreviewDeps,
): Promise<number> {
  const env = options.args?.[0];
  if (typeof env !== 'string' || !isValidName(env)) {
    throw usageError(`"${String(env)}" is not an environment name; ${NAME_RULE}`);
  }
  const report = options.offline
    ? await offline(env, options.base ?? 'HEAD', ctx)
    : await online(env, ctx, deps);

  const out = new DataOutput(ctx);
  const textStream = (out.json ? ctx.stderr : ctx.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
  const paint = makeColors(Boolean(textStream.isTTY) && ctx.runtime.color);
  out.text(renderPreviewText(report, { paint, verbose: ctx.globals.verbose }));
  for (const change of report.changes) {
    const { type, ...rest } = change;
    out.data('change', { resourceType: type, ...rest });
  }
  await writeSummary(report, ctx);
  if (options.comment) await commentOnPullRequest(report, ctx);
  const dangerous = report.changes.filter((c) => c.dangers.some((d) => d.level === 'danger')).length;
  const refuse = dangerous > 0 && !options.allowDanger;
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

function offline(env: string, base: string, ctx: CliContext): Promise<PreviewReport> {
  return previewOffline({
    cwd: ctx.cwd,
    env,
    base,
    processEnv: ctx.env,
    nodePath: process.execPath,
    onProgress: (message) => {
      // A few seconds of silence on a terminal looks like a hang.
      if (ctx.globals.verbose || ctx.isTTY) ctx.stderr.write(`ferry: ${message}\n`);
    },
  });
}

async function online(env: string, ctx: CliContext, deps: PreviewDeps): Promise<PreviewReport> {
  const { stacksDir } = await locateStacks(ctx.cwd, ctx.env);
  checkEnvironment(stacksDir, env);
  let runner = deps.runner;
  if (!runner) {
    const cli = await (deps.findCli ?? findPulumiCli)(ctx.env);
    if (!cli) throw missingCliError(env);
    runner = automationRunner(cli);
  }
  return previewOnline({ stacksDir, env, runner });
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
