/**
 * Which migrations a release adds: the files matching `migrate.paths` that
 * changed between the commit running in the environment and the one being
 * deployed, read from git at the deployed commit (not the working tree).
 */
import { type Git, GitUnavailable } from './git.ts';
import { matcher, unmatchedGlobs } from './globs.ts';
import type { MigrationFile } from './lint.ts';

export interface SelectInput {
  git: Git;
  globs: readonly string[];
  /** The commit being deployed. */
  sha: string;
  /** The commit running in the environment; undefined on a first deploy. */
  running?: string;
}

export type Selection =
  | {
      kind: 'files';
      files: MigrationFile[];
      scope: string;
      /** Globs that match no file at all at the deployed commit (a typo checks nothing). */
      unmatched: string[];
    }
  /** Nothing could be checked: why, and how to fix it. */
  | { kind: 'unavailable'; reason: string };

const FETCH_ALL =
  'fetch the full history (GitHub Actions: actions/checkout with fetch-depth: 0; locally: git fetch --unshallow)';

export async function selectMigrations(input: SelectInput): Promise<Selection> {
  try {
    return await select(input);
  } catch (err) {
    if (!(err instanceof GitUnavailable)) throw err;
    return {
      kind: 'unavailable',
      reason: `migrations not checked: ${err.message}; run ferry inside the application's git repository (GitHub Actions: actions/checkout with fetch-depth: 0)`,
    };
  }
}

async function select({ git, globs, sha, running }: SelectInput): Promise<Selection> {
  const target = await git.commit(sha);
  if (target === undefined) return missing(git, sha, 'being deployed');
  const wanted = matcher(globs);
  let paths: string[];
  let scope: string;
  const all = await git.listFiles(target);
  const unmatched = unmatchedGlobs(globs, all);
  if (running === undefined) {
    paths = all;
    scope = `every migration at ${short(sha)} (no version known to run yet)`;
  } else {
    const base = await git.commit(running);
    if (base === undefined) return missing(git, running, 'running in the environment');
    paths = await git.changedFiles(base, target);
    scope = `added or changed between ${short(running)} (running) and ${short(sha)}`;
  }
  const chosen = paths.filter(wanted).sort(byName);
  const files = await Promise.all(
    chosen.map(async (path) => ({ path, sql: await git.readFile(target, path) })),
  );
  return { kind: 'files', files, scope, unmatched };
}

async function missing(git: Git, rev: string, role: string): Promise<Selection> {
  const shallow = await git.isShallow().catch(() => false);
  return {
    kind: 'unavailable',
    reason: `migrations not checked: commit ${short(rev)} (${role}) is not in this ${shallow ? 'shallow clone' : 'repository'}; ${FETCH_ALL}`,
  };
}

/** Migration tools apply files in name order; numbers compare as numbers (2_x before 10_x). */
const byName = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

const short = (sha: string) => sha.slice(0, 7);
