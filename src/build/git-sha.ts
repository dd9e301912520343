/**
 * Which SHA names the image. Like Copilot, ferry tags with HEAD only when the
 * working tree is clean: an image built from uncommitted files under a commit's
 * SHA would lie about what it contains.
 */
import { parseSha } from '../config/sha.ts';
import { usageError } from '../errors.ts';
import type { ProcessRunner } from './process.ts';

export interface ShaInput {
  /** `--sha`, which skips git entirely (the caller vouches for the tree). */
  sha?: string;
  /** Where to ask git: the config file's directory. */
  dir: string;
  runner: ProcessRunner;
  env: NodeJS.ProcessEnv;
}

export interface ResolvedSha {
  sha: string;
  source: 'flag' | 'git';
}

/** How many dirty paths the error names before it says "and N more". */
const SHOWN_PATHS = 10;

export async function resolveSha(input: ShaInput): Promise<ResolvedSha> {
  const git = (args: string[]) => input.runner.run('git', ['-C', input.dir, ...args], { env: input.env });
  if (input.sha !== undefined) {
    const given = parseSha(input.sha, '--sha');
    return { sha: given.length === 40 ? given : await expandWithGit(given, git), source: 'flag' };
  }

  const head = await git(['rev-parse', '--verify', 'HEAD']);
  if (head.code === 127) {
    throw usageError('git is not installed (or not on PATH); install git, or pass --sha SHA');
  }
  if (head.code !== 0) {
    throw usageError(
      `cannot read the commit of ${input.dir}: ${firstLine(head.stderr) || `git exited with ${head.code}`}`,
      'Run ferry build inside a git repository with at least one commit, or pass --sha SHA.',
    );
  }
  const sha = parseSha(head.stdout.trim(), 'git rev-parse HEAD');

  const status = await git(['status', '--porcelain=v1', '--untracked-files=normal']);
  if (status.code !== 0) {
    throw usageError(
      `git status failed in ${input.dir}: ${firstLine(status.stderr) || `exit ${status.code}`}`,
    );
  }
  const dirty = status.stdout.split('\n').filter((line) => line.trim() !== '');
  if (dirty.length > 0) throw dirtyTree(input.dir, sha, dirty);
  return { sha, source: 'git' };
}

/**
 * Deploy and promote look images up by the full SHA, so a short `--sha` is
 * never a tag: git expands it, or the user is asked for the full one.
 */
async function expandWithGit(
  sha: string,
  git: (args: string[]) => Promise<{ code: number; stdout: string }>,
): Promise<string> {
  const found = await git(['rev-parse', '--verify', '--quiet', `${sha}^{commit}`]).catch(() => undefined);
  const full = found?.code === 0 ? found.stdout.trim() : '';
  if (/^[0-9a-f]{40}$/.test(full)) return full;
  throw usageError(
    `--sha ${sha}: give the full 40-character SHA; images are tagged with it so that deploy and promote find them`,
    `git rev-parse ${sha} prints it in a repository that has the commit`,
  );
}

function dirtyTree(dir: string, sha: string, lines: string[]): Error {
  const shown = lines.slice(0, SHOWN_PATHS).map((line) => line.trimEnd());
  const more = lines.length > SHOWN_PATHS ? ` and ${lines.length - SHOWN_PATHS} more` : '';
  return usageError(
    `the working tree of ${dir} has uncommitted changes, so HEAD (${sha.slice(0, 7)}) does not describe it: ${shown.join(', ')}${more}`,
    'Commit or stash the changes (or add build output to .gitignore), or pass --sha SHA to tag the image yourself.',
  );
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
