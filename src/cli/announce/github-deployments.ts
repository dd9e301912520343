import { ExitCode } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';
import type { Sink } from '../render/sink.ts';
import { type GitHubRun, runUrl } from './github-run.ts';
import { createOctokit, describeGitHubError, splitRepository, timeout } from './octokit.ts';

type Result = Extract<FerryEvent, { type: 'result' }>;
type State = 'success' | 'failure' | 'error';

export interface DeploymentOptions {
  run: GitHubRun & { token: string };
  environment: string;
  /** True for an environment with promoteFrom: GitHub shows it as production. */
  production: boolean;
  /** The service's base URL: GitHub links the environment to it. */
  environmentUrl?: string;
  /** deploy, promote or rollback, for the deployment's description. */
  description: string;
  /** ferry's own run id (the lock's), next to GitHub's in the payload. */
  ferryRunId: string;
  warn: (message: string) => void;
}

/** success for a release that runs; failure when it was restored (exit 1); error when the state is unknown. */
export function deploymentState(result: Result): State {
  if (result.exitCode === ExitCode.Ok) return 'success';
  return result.exitCode === ExitCode.ReleaseFailed ? 'failure' : 'error';
}

/**
 * A GitHub deployment per release, driven by ferry's events: created with an
 * `in_progress` status once the lock is held (a run refused at the lock changed
 * nothing, so it is not a deployment), then one final status from the result.
 * Calls run in order on their own chain so the release never waits on GitHub;
 * any failure is one warning and the rest is skipped.
 */
export class GitHubDeployments implements Sink {
  readonly #opts: DeploymentOptions;
  readonly #octokit;
  readonly #repo;
  #chain: Promise<void> = Promise.resolve();
  #plan: { sha: string; digest: string } | undefined;
  #id: number | undefined;
  #started = false;
  #broken = false;

  constructor(opts: DeploymentOptions) {
    this.#opts = opts;
    this.#octokit = createOctokit(opts.run);
    this.#repo = splitRepository(opts.run.repository);
  }

  emit(event: FerryEvent): void {
    if (event.type === 'plan') this.#plan = { sha: event.sha, digest: event.digest };
    else if (event.type === 'step' && event.step === 'lock' && event.status === 'done' && !this.#started) {
      this.#started = true;
      this.#then(() => this.#create());
    } else if (event.type === 'result' && this.#started) {
      this.#then(() => this.#status(deploymentState(event), event.reason ?? event.outcome));
    }
  }

  close(): Promise<void> {
    return this.#chain;
  }

  #then(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#broken) return;
      try {
        await step();
      } catch (err) {
        this.#broken = true;
        this.#opts.warn(`GitHub deployment: ${describeGitHubError(err, 'deployments: write')}`);
      }
    });
  }

  async #create(): Promise<void> {
    const plan = this.#plan;
    if (!plan) return;
    const { data } = await this.#octokit.rest.repos.createDeployment({
      ...this.#repo,
      ref: plan.sha,
      environment: this.#opts.environment,
      production_environment: this.#opts.production,
      transient_environment: false,
      auto_merge: false,
      required_contexts: [],
      task: 'deploy',
      description: clip(this.#opts.description),
      payload: {
        digest: plan.digest,
        ferryRunId: this.#opts.ferryRunId,
        ...(this.#opts.run.runId ? { runId: this.#opts.run.runId } : {}),
      },
      request: timeout(),
    });
    // 202 (a message, no id) means GitHub merged or refused something; with auto_merge false it does not happen.
    if (!('id' in data))
      throw new Error(`GitHub created no deployment: ${data.message ?? 'no reason given'}`);
    this.#id = data.id;
    await this.#status('in_progress', `ferry is releasing ${plan.sha.slice(0, 7)}`);
  }

  async #status(state: State | 'in_progress', description: string): Promise<void> {
    if (this.#id === undefined) return;
    const logUrl = runUrl(this.#opts.run);
    await this.#octokit.rest.repos.createDeploymentStatus({
      ...this.#repo,
      deployment_id: this.#id,
      state,
      description: clip(description),
      ...(logUrl ? { log_url: logUrl } : {}),
      ...(this.#opts.environmentUrl ? { environment_url: this.#opts.environmentUrl } : {}),
      request: timeout(),
    });
  }
}

// GitHub refuses descriptions longer than 140 characters.
function clip(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= 140 ? line : `${line.slice(0, 139)}…`;
}
