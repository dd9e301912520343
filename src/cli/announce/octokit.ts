import { Octokit } from '@octokit/rest';
import type { GitHubRun } from './github-run.ts';

/** A call to GitHub gives up after this long: it must never hold a release (or its lock) up. */
export const GITHUB_TIMEOUT_MS = 10_000;

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** A REST client for the run's repository at GITHUB_API_URL (github.com, Enterprise, or a test's fake). */
export function createOctokit(run: GitHubRun & { token: string }): Octokit {
  return new Octokit({
    auth: run.token,
    baseUrl: run.apiUrl,
    userAgent: 'ferry',
    // Octokit logs deprecations to the console; ferry's stderr is its own.
    log: quiet,
  });
}

/** Per request: `request: timeout()` in any Octokit call. */
export function timeout(ms = GITHUB_TIMEOUT_MS): { signal: AbortSignal } {
  return { signal: AbortSignal.timeout(ms) };
}

export function splitRepository(repository: string): { owner: string; repo: string } {
  const [owner = '', repo = ''] = repository.split('/');
  return { owner, repo };
}

/** What went wrong, in one line a person can act on; 401/403 name the permission the job needs. */
export function describeGitHubError(err: unknown, permission: string): string {
  const status = (err as { status?: unknown }).status;
  if (status === 401 || status === 403) {
    return `the token may not do this (HTTP ${status}); give the job \`permissions: ${permission}\``;
  }
  if (err instanceof Error && err.name === 'TimeoutError') return 'GitHub did not answer in time';
  const message = err instanceof Error ? err.message : String(err);
  return typeof status === 'number' ? `HTTP ${status}: ${message.split('\n')[0]}` : message.split('\n')[0]!;
}
