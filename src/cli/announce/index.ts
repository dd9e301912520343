/**
 * Telling people about a release: GitHub deployments and notifications, as
 * sinks on ferry's event stream next to the renderers. They read the events
 * (the lock step, the result) and never touch the pipeline; what they need from
 * the environment is read here, once.
 */
import { type FerryConfig, type NotifyConfig, notifyConfigSchema } from '../../config/schema.ts';
import { isFerryError } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';
import type { Runtime } from '../../runtime.ts';
import { unexpectedErrorResult } from '../failure.ts';
import { neutralize, workflowCommand } from '../render/github.ts';
import type { Sink } from '../render/sink.ts';
import { GitHubDeployments } from './github-deployments.ts';
import { commitUrl, type GitHubRun, readGitHubRun, runUrl } from './github-run.ts';
import { Notifier, type NotifyTarget, slackTarget, webhookTarget } from './notify.ts';

export const DEFAULT_SLACK_ENV = 'FERRY_SLACK_WEBHOOK_URL';

/** What a config without a `notify` block means: the schema's own defaults. */
const NOTIFY_DEFAULTS = notifyConfigSchema.parse({});

export interface ReleaseAnnouncement {
  app: string;
  env: string;
  sha: string;
  command: 'deploy' | 'promote' | 'rollback';
  config: FerryConfig;
  /** The service's base URL (the descriptor's first service). */
  environmentUrl?: string;
  ferryRunId: string;
  dryRun: boolean;
}

export interface AnnounceIo {
  /** The GitHub run (deployments, links) and whether warnings are annotations. */
  runtime: Runtime;
  /** Where the webhook variables the config names ($FERRY_SLACK_WEBHOOK_URL, notify.*Env) are looked up. */
  env: NodeJS.ProcessEnv;
  now: () => Date;
  warn: (message: string) => void;
}

/** The sinks that announce this release; none on a dry run, which changes nothing. */
export function releaseAnnouncers(release: ReleaseAnnouncement, io: AnnounceIo): Sink[] {
  if (release.dryRun) return [];
  const run = readGitHubRun(io.runtime);
  const sinks: Sink[] = [];
  const deployments = githubDeployments(release, run, io);
  if (deployments) sinks.push(deployments);
  const notifier = notifierFor(release, run, io);
  if (notifier) sinks.push(notifier);
  return sinks;
}

function githubDeployments(
  release: ReleaseAnnouncement,
  run: GitHubRun | undefined,
  io: AnnounceIo,
): Sink | undefined {
  if (!run || !io.runtime.github.deployments) return undefined;
  if (!run.token) {
    io.warn(
      'GitHub deployment: no FERRY_GITHUB_TOKEN or GITHUB_TOKEN, so none is recorded; set GITHUB_TOKEN to github.token, with `permissions: deployments: write` (FERRY_GITHUB_DEPLOYMENTS=false turns this off)',
    );
    return undefined;
  }
  return new GitHubDeployments({
    run: { ...run, token: run.token },
    environment: release.env,
    production: release.config.environments[release.env]?.promoteFrom !== undefined,
    ...(release.environmentUrl ? { environmentUrl: release.environmentUrl } : {}),
    description: `ferry ${release.command} ${release.sha.slice(0, 7)}`,
    ferryRunId: release.ferryRunId,
    warn: io.warn,
  });
}

/**
 * $FERRY_SLACK_WEBHOOK_URL alone turns Slack on (for failures and rollbacks
 * unless `notify.on` says otherwise): the common case needs no configuration.
 * `notify.slack` only names another variable.
 */
export function notifyTargets(notify: NotifyConfig | undefined, io: AnnounceIo): NotifyTarget[] {
  const targets: NotifyTarget[] = [];
  const slackEnv = notify?.slack?.webhookUrlEnv ?? DEFAULT_SLACK_ENV;
  const slackUrl = io.env[slackEnv];
  if (slackUrl) targets.push(slackTarget(slackUrl));
  else if (notify?.slack) io.warn(`Slack notification: $${slackEnv} is not set, so none is sent`);
  if (notify?.webhook) {
    const url = io.env[notify.webhook.urlEnv];
    if (url) targets.push(webhookTarget(url, io.now));
    else io.warn(`webhook notification: $${notify.webhook.urlEnv} is not set, so none is sent`);
  }
  return targets;
}

function notifierFor(
  release: ReleaseAnnouncement,
  run: GitHubRun | undefined,
  io: AnnounceIo,
): Sink | undefined {
  const notify = release.config.notify;
  const targets = notifyTargets(notify, io);
  if (targets.length === 0) return undefined;
  const link = run ? runUrl(run) : undefined;
  return new Notifier({
    targets,
    on: notify?.on ?? NOTIFY_DEFAULTS.on,
    facts: {
      app: release.app,
      command: release.command,
      env: release.env,
      sha: release.sha,
      ...(run ? { commitUrl: commitUrl(run, release.sha) } : {}),
      ...(link ? { runUrl: link } : {}),
    },
    timeoutMs: notify?.timeout ?? NOTIFY_DEFAULTS.timeout,
    now: io.now,
    warn: io.warn,
  });
}

/** A warning on stderr; in GitHub Actions an annotation, so it shows on the run's page. */
export function warningWriter(
  stderr: NodeJS.WritableStream,
  runtime: Pick<Runtime, 'githubActions'>,
): (message: string) => void {
  const inActions = runtime.githubActions;
  return (message) => {
    try {
      stderr.write(
        inActions
          ? `${workflowCommand('warning', { title: 'ferry' }, message)}\n`
          : `${neutralize(`ferry: warning: ${message}`)}\n`,
      );
    } catch {
      // stderr is gone; a warning is not worth failing for.
    }
  };
}

/**
 * The result an error that escaped a release stands for, as the entry point will
 * report it: a user error keeps its exit code; anything else changed nothing if
 * no change was sent (`changes`, the run's MutationLog), else leaves the state unknown.
 */
export function resultOfError(
  err: unknown,
  changes: { mayHaveChanged: boolean } = { mayHaveChanged: true },
): Extract<FerryEvent, { type: 'result' }> {
  if (isFerryError(err))
    return { type: 'result', outcome: 'aborted', exitCode: err.exitCode, reason: err.message };
  const reason = err instanceof Error ? err.message : String(err);
  const known = unexpectedErrorResult(changes);
  return {
    type: 'result',
    outcome: known.outcome,
    exitCode: known.exitCode,
    reason: `unexpected error: ${reason}`,
  };
}
