import type { GitHubRun } from './github-run.ts';
import { createOctokit, describeGitHubError, splitRepository, timeout } from './octokit.ts';

/** Hidden in the rendered comment; finds ferry's comment for this environment again on the next push. */
export const previewMarker = (env: string) => `<!-- ferry-preview:${env} -->`;

// GitHub refuses comments over 65536 characters.
const MAX_BODY = 65_000;

export type CommentOutcome = { done: 'created' | 'updated'; url?: string } | { skipped: string };

/**
 * One comment per environment on the pull request, updated in place on every
 * run (found by its hidden marker), so the PR never fills with old previews.
 * Never throws: the preview itself is the command's work.
 */
export async function upsertPreviewComment(
  run: GitHubRun | undefined,
  env: string,
  markdown: string,
): Promise<CommentOutcome> {
  if (!run?.pullRequest) return { skipped: 'not a GitHub Actions run for a pull request; nothing posted' };
  if (run.pullRequest.fromFork) {
    return {
      skipped:
        'a pull request from a fork gets a read-only token, so ferry cannot comment; the preview is in the job summary',
    };
  }
  if (!run.token) return { skipped: 'no FERRY_GITHUB_TOKEN or GITHUB_TOKEN to comment with' };
  const marker = previewMarker(env);
  const body = `${marker}\n${markdown.length > MAX_BODY ? `${markdown.slice(0, MAX_BODY)}\n\n…(cut; the job summary has it all)` : markdown}`;
  const octokit = createOctokit({ ...run, token: run.token });
  const where = { ...splitRepository(run.repository), issue_number: run.pullRequest.number };
  try {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...where,
      per_page: 100,
      request: timeout(),
    });
    const mine = comments.find((c) => c.body?.startsWith(marker));
    if (mine) {
      const { data } = await octokit.rest.issues.updateComment({
        ...splitRepository(run.repository),
        comment_id: mine.id,
        body,
        request: timeout(),
      });
      return { done: 'updated', ...(data.html_url ? { url: data.html_url } : {}) };
    }
    const { data } = await octokit.rest.issues.createComment({ ...where, body, request: timeout() });
    return { done: 'created', ...(data.html_url ? { url: data.html_url } : {}) };
  } catch (err) {
    return { skipped: describeGitHubError(err, 'pull-requests: write') };
  }
}
