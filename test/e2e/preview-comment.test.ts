import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github.ts';
import { type StacksRepo, stacksRepo } from '../support/stacks-repo.ts';
import { runFerry } from './helpers.ts';

const _ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PATH = process.env.PATH ?? '';
const TOKEN = 'ghs_previewTokenNeverPrinted';

let repo: string;
let github: FakeGitHub;
let stacks: StacksRepo;
const _git = (...args: string[]) => stacks.git(...args);

beforeAll(async () => {
  stacks = stacksRepo('ferry-preview-comment-');
  repo = stacks.dir;
  github = await startFakeGitHub();
});
afterAll(async () => {
  stacks?.remove();
  await github?.close();
});
beforeEach(() => {
  github.requests.length = 0;
  github.comments.length = 0;
  github.comments.push({ id: 1, issue: 7, body: 'LGTM, someone else' });
});

/** A pull_request run in acme/shop for PR #7 from `head` (acme/shop, or a fork). */
function pullRequestEnv(head: string): Record<string, string> {
  const event = join(repo, `event-${head.replace('/', '-')}.json`);
  writeFileSync(
    event,
    JSON.stringify({
      pull_request: { number: 7, head: { repo: { full_name: head } } },
      repository: { full_name: 'acme/shop' },
    }),
  );
  return {
    PATH,
    NO_COLOR: '1',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: event,
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: TOKEN,
    GITHUB_STEP_SUMMARY: join(repo, 'summary.md'),
  };
}

const preview = (env: Record<string, string>) =>
  runFerry(['preview', 'staging', '--offline', '--base', 'HEAD', '--comment'], {
    cwd: repo,
    env,
    timeoutMs: 55_000,
  });

describe('ferry preview --comment (fake GitHub)', () => {
  it('creates one comment with the report, then updates that same comment on the next run', async () => {
    const first = await preview(pullRequestEnv('acme/shop'));
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('ferry: created the preview comment');
    const mine = github.comments.filter((c) => c.body.startsWith('<!-- ferry-preview:staging -->'));
    expect(mine).toHaveLength(1);
    expect(mine[0]!.body).toContain('## ferry preview staging');
    expect(readFileSync(join(repo, 'summary.md'), 'utf8')).toContain('## ferry preview staging');

    const stack = join(repo, 'stacks', 'Pulumi.staging.yaml');
    const original = readFileSync(stack, 'utf8');
    writeFileSync(stack, original.replace(/desiredCount: "1"/, 'desiredCount: "2"'));
    try {
      const second = await preview(pullRequestEnv('acme/shop'));
      expect(second.code, second.stderr).toBe(0);
      expect(second.stderr).toContain('ferry: updated the preview comment');
    } finally {
      writeFileSync(stack, original);
    }
    expect(github.comments).toHaveLength(2);
    expect(github.comments[0]!.body).toBe('LGTM, someone else');
    expect(github.comments[1]!.body).toContain('desiredCount');
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('never tries to comment on a pull request from a fork, and says why', async () => {
    const run = await preview(pullRequestEnv('someone/shop'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('a pull request from a fork gets a read-only token');
    expect(github.requests).toEqual([]);
  });

  it('a token without pull-requests: write is a warning; the preview still exits 0', async () => {
    github.refuse(403);
    try {
      const run = await preview(pullRequestEnv('acme/shop'));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/::warning title=ferry::--comment: .*HTTP 403.*pull-requests: write/);
      expect(run.stderr + run.stdout).not.toContain(TOKEN);
    } finally {
      github.refuse(undefined);
    }
  });
});
