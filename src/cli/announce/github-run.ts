/**
 * What ferry knows about the GitHub Actions run it is part of, from the
 * runtime read at the edge; everything downstream takes these plain values.
 */
import { readFileSync } from 'node:fs';
import type { Runtime } from '../../runtime.ts';

export interface GitHubRun {
  /** https://github.com, or the GitHub Enterprise server. */
  serverUrl: string;
  /** GITHUB_API_URL: https://api.github.com, an Enterprise `/api/v3` URL, or a test's fake. */
  apiUrl: string;
  /** owner/name */
  repository: string;
  runId?: string;
  runAttempt?: string;
  /** FERRY_GITHUB_TOKEN, else GITHUB_TOKEN: the job's token, never printed. */
  token?: string;
  /** The pull request this run is for, when the event is one. */
  pullRequest?: PullRequestRef;
}

export interface PullRequestRef {
  number: number;
  /** A fork's pull request runs with a read-only token: ferry never tries to comment there. */
  fromFork: boolean;
}

/** The run, when ferry runs in GitHub Actions for a known repository; undefined elsewhere. */
export function readGitHubRun(runtime: Runtime): GitHubRun | undefined {
  const github = runtime.github;
  if (!runtime.githubActions || !github.repository) return undefined;
  const pullRequest = readPullRequest(github.eventName, github.eventPath, github.repository);
  return {
    serverUrl: github.serverUrl,
    apiUrl: github.apiUrl,
    repository: github.repository,
    ...(github.runId ? { runId: github.runId } : {}),
    ...(github.runAttempt ? { runAttempt: github.runAttempt } : {}),
    ...(github.token ? { token: github.token } : {}),
    ...(pullRequest ? { pullRequest } : {}),
  };
}

/** The page of this run (its attempt, when known): where a person reads the log. */
export function runUrl(run: GitHubRun): string | undefined {
  if (!run.runId) return undefined;
  const attempt = run.runAttempt && run.runAttempt !== '1' ? `/attempts/${run.runAttempt}` : '';
  return `${run.serverUrl}/${run.repository}/actions/runs/${run.runId}${attempt}`;
}

export function commitUrl(run: Pick<GitHubRun, 'serverUrl' | 'repository'>, sha: string): string {
  return `${run.serverUrl}/${run.repository}/commit/${sha}`;
}

interface PullRequestEvent {
  pull_request?: { number?: number; head?: { repo?: { full_name?: string } | null } };
  repository?: { full_name?: string };
}

function readPullRequest(
  eventName: string | undefined,
  eventPath: string | undefined,
  repository: string,
): PullRequestRef | undefined {
  if (!eventPath || !/^pull_request/.test(eventName ?? '')) return undefined;
  let event: PullRequestEvent;
  try {
    event = JSON.parse(readFileSync(eventPath, 'utf8')) as PullRequestEvent;
  } catch {
    return undefined;
  }
  const number = event.pull_request?.number;
  if (typeof number !== 'number') return undefined;
  const head = event.pull_request?.head?.repo?.full_name;
  const base = event.repository?.full_name ?? repository;
  return { number, fromFork: head === undefined || head !== base };
}
