/**
 * The composition root of deploy, rollback and promote: config, ports and
 * adapters in; the pipeline's runbook does the rest. The reporter is open from
 * the first line, so even a bad config or a missing descriptor ends in the one
 * result (`finish()`): the last JSON line, the terminal's result block and the
 * GitHub summary all carry it.
 */
import { dirname, resolve } from 'node:path';
import { createImageCopier } from '../aws/image-copier.ts';
import { commitTime } from '../build/commit-time.ts';
import { parseDuration } from '../config/duration.ts';
import type { Descriptor } from '../config/schema.ts';
import { createGit } from '../migrations/git.ts';
import type { Deps } from '../pipeline/context.ts';
import { finish, type ResultSubject, refusedBeforeChange } from '../pipeline/finish.ts';
import { refusalResult, refuseRequest } from '../pipeline/plan.ts';
import type { CodeHistory, SourceEnvironment } from '../pipeline/ports.ts';
import { runRelease, subjectOf } from '../pipeline/release.ts';
import type { ReleaseAsk, ReleaseRequest } from '../pipeline/request.ts';
import { lockOwnerOf } from '../runtime.ts';
import { DeferredSinks } from './announce/deferred.ts';
import { releaseAnnouncers, resultOfError, warningWriter } from './announce/index.ts';
import {
  awsOptions,
  loadSetup,
  newRunId,
  openEnvironment,
  pipelineDeps,
  reporterFor,
  type Setup,
} from './compose.ts';
import type { CliContext } from './context.ts';
import type { Reporter } from './render/index.ts';

/** What a command's options say: the environment, and what to do there. */
export interface ParsedRelease {
  env: string;
  ask: ReleaseAsk;
}

/**
 * Runs one release; its exit code is the result's. `parse` reads the command's
 * options (and throws a usage error for a bad one) inside the result path.
 */
export async function runReleaseCommand(
  ctx: CliContext,
  kind: ReleaseAsk['kind'],
  parse: () => ParsedRelease,
): Promise<number> {
  let parsed: ParsedRelease | undefined;
  let setup: Setup;
  try {
    parsed = parse();
    setup = await loadSetup(ctx, parsed.env);
  } catch (err) {
    // A bad flag or config: the same result path, under a title without the app's name.
    const title = parsed ? titleOf(undefined, parsed.env, parsed.ask) : kind;
    const subject = parsed ? subjectOf({ ...parsed.ask, env: parsed.env }) : { kind };
    return refuse(ctx, reporterFor(ctx, title), subject, err);
  }
  const { env, ask } = parsed;
  const runId = newRunId();
  let descriptor: Descriptor | undefined;
  const announcers = new DeferredSinks((sha) => announcersFor(ctx, setup, env, ask, sha, runId, descriptor));
  const reporter = reporterFor(ctx, titleOf(setup.app, env, ask), [announcers]);
  const subject = subjectOf({ ...ask, env, config: setup.config });
  try {
    // The request's own rules need no AWS call: checked before any descriptor is read.
    const refused = refuseRequest({ ...ask, env, config: setup.config });
    if (refused) {
      return finish(reporter.emit, subject, refusalResult(refused)).exitCode;
    }
    const target = await openEnvironment(ctx, setup);
    descriptor = target.descriptor;
    const request = requestFor(ctx, setup, { env, ask, runId, descriptor });
    const deps: Deps = { ...pipelineDeps(ctx, setup, target.ports, reporter), history: codeHistory(ctx) };
    if (ask.kind === 'promote') {
      const source = await openSource(ctx, setup, ask.from);
      deps.source = source.environment;
      deps.copier = createImageCopier(
        { descriptor: source.environment.descriptor, access: ecrAccess(ctx, source.setup, ask.from) },
        { descriptor: target.descriptor, access: ecrAccess(ctx, setup, env) },
      );
    }
    return (await runRelease(deps, request)).exitCode;
  } catch (err) {
    const refused = refusedBeforeChange(err, ctx.signal.aborted);
    if (refused) return finish(reporter.emit, subject, refused).exitCode;
    // Ferry's own bug: the entry point prints it; the people watching hear about it too.
    announcers.emit(resultOfError(err, ctx.mutations));
    throw err;
  } finally {
    await reporter.close();
  }
}

/**
 * A bad flag or config, before the release has a reporter of its own: one
 * result like any other. Anything but a refusal is ferry's bug, left to the
 * entry point, which says what is known.
 */
async function refuse(
  ctx: CliContext,
  reporter: Reporter,
  subject: ResultSubject,
  err: unknown,
): Promise<number> {
  try {
    const refused = refusedBeforeChange(err, ctx.signal.aborted);
    if (!refused) throw err;
    return finish(reporter.emit, subject, refused).exitCode;
  } finally {
    await reporter.close();
  }
}

/** The pipeline's request: what the command asked, and how this run carries it out. */
function requestFor(
  ctx: CliContext,
  setup: Setup,
  run: ParsedRelease & { runId: string; descriptor: Descriptor },
): ReleaseRequest {
  const ttl = ctx.env.FERRY_LOCK_TTL;
  return {
    ...run.ask,
    env: run.env,
    config: setup.config,
    descriptor: run.descriptor,
    timeoutMs: setup.timeoutMs,
    dryRun: ctx.globals.dryRun,
    owner: lockOwnerOf(ctx.runtime),
    runId: run.runId,
    ...(ttl ? { lockTtlMs: Math.max(1000, parseDuration(ttl, 'FERRY_LOCK_TTL')) } : {}),
    ...(ctx.runtime.github.actor ? { actor: ctx.runtime.github.actor } : {}),
  };
}

function titleOf(app: string | undefined, env: string, ask: ReleaseAsk): string {
  const named = (sha: string | undefined) => (sha ? ` ${sha.slice(0, 7)}` : '');
  const who = app ? `${app} ` : '';
  if (ask.kind === 'deploy')
    return `deploy ${who}${env}${named(ask.sha)}${ask.skipPromotion ? ' (promotion skipped)' : ''}`;
  if (ask.kind === 'rollback') return `rollback ${who}${env}${ask.to ? ` to ${ask.to.slice(0, 7)}` : ''}`;
  return `promote ${who}${ask.from} -> ${env}${named(ask.sha)}`;
}

/**
 * The promotion's source, read with its own role: `promoteFromRoleArn`, a
 * read-only role on the source that the target's CI jobs may assume. --role-arn
 * and --descriptor name the target only.
 */
async function openSource(
  ctx: CliContext,
  target: Setup,
  from: string,
): Promise<{ setup: Setup; environment: SourceEnvironment }> {
  const sourceRole = target.config.environments[target.env]?.promoteFromRoleArn;
  const sourceCtx: CliContext = {
    ...ctx,
    globals: { ...ctx.globals, roleArn: sourceRole, descriptor: undefined },
  };
  const setup = await loadSetup(sourceCtx, from);
  const { ports, descriptor } = await openEnvironment(sourceCtx, setup);
  return { setup, environment: { env: from, ports, descriptor } };
}

function ecrAccess(ctx: CliContext, setup: Setup, environment: string) {
  const { region, env, roleArn } = awsOptions(ctx, setup);
  return {
    region,
    env,
    runtime: ctx.runtime,
    mutations: ctx.mutations,
    environment,
    mask: (secret: string) => ctx.stderr.write(`::add-mask::${secret}\n`),
    ...(roleArn ? { roleArn } : {}),
  };
}

/** The config file's git repository: which migrations a release adds, and when its commit was made. */
function codeHistory(ctx: CliContext): CodeHistory {
  const dir = dirname(resolve(ctx.cwd, ctx.globals.config));
  return { git: createGit(dir, ctx.env), committedAt: (sha) => commitTime(dir, sha, ctx.env) };
}

/** GitHub deployments and notifications for a release, once its SHA is known. */
function announcersFor(
  ctx: CliContext,
  setup: Setup,
  env: string,
  ask: ReleaseAsk,
  sha: string,
  runId: string,
  descriptor: Descriptor | undefined,
) {
  const environmentUrl = descriptor?.services[0]?.baseUrl;
  return releaseAnnouncers(
    {
      app: setup.app,
      env,
      sha,
      command: ask.kind,
      config: setup.config,
      ...(environmentUrl ? { environmentUrl } : {}),
      ferryRunId: runId,
      dryRun: ctx.globals.dryRun,
    },
    {
      runtime: ctx.runtime,
      env: ctx.env,
      now: () => new Date(),
      warn: warningWriter(ctx.stderr, ctx.runtime),
    },
  );
}
