import { describe, expect, it } from 'vitest';
import { type Git, GitUnavailable } from '../../../src/migrations/git.ts';
import { matcher } from '../../../src/migrations/globs.ts';
import { selectMigrations } from '../../../src/migrations/select.ts';

const OLD = 'a'.repeat(40);
const NEW = 'b'.repeat(40);

interface FakeRepo {
  commits: Record<string, Record<string, string>>;
  /** What `changedFiles(OLD, NEW)` answers. */
  changed?: string[];
  shallow?: boolean;
  broken?: string;
}

/** A Git over in-memory commits; records which commits' files were read. */
function fakeGit(repo: FakeRepo): Git & { reads: string[] } {
  const reads: string[] = [];
  const guard = () => {
    if (repo.broken) throw new GitUnavailable(repo.broken);
  };
  const full = (rev: string) => Object.keys(repo.commits).find((sha) => sha.startsWith(rev));
  return {
    reads,
    async commit(rev) {
      guard();
      return full(rev);
    },
    async isShallow() {
      return repo.shallow ?? false;
    },
    async changedFiles(from, to) {
      guard();
      if (from !== OLD || to !== NEW) throw new Error(`unexpected diff ${from}...${to}`);
      return repo.changed ?? [];
    },
    async listFiles(rev) {
      return Object.keys(repo.commits[rev] ?? {});
    },
    async readFile(rev, path) {
      reads.push(`${rev.slice(0, 1)}:${path}`);
      const text = repo.commits[rev]?.[path];
      if (text === undefined) throw new Error(`no ${path} at ${rev}`);
      return text;
    },
  };
}

const repo: FakeRepo = {
  commits: {
    [OLD]: { 'db/migrations/001.sql': 'CREATE TABLE orders (id int, note text);', 'README.md': '' },
    [NEW]: {
      'db/migrations/001.sql': 'CREATE TABLE orders (id int, note text);',
      'db/migrations/002.sql': 'ALTER TABLE orders DROP COLUMN note;',
      'db/migrations/10.sql': 'SELECT 10;',
      'db/seeds/dev.sql': 'TRUNCATE orders;',
      'README.md': 'changed',
    },
  },
  changed: ['README.md', 'db/migrations/10.sql', 'db/migrations/002.sql', 'db/seeds/dev.sql'],
};

describe('selectMigrations', () => {
  it('reads only the matching files changed since the running commit, at the deployed commit, in name order', async () => {
    const git = fakeGit(repo);
    const selection = await selectMigrations({
      git,
      globs: ['db/migrations/**/*.sql'],
      sha: NEW,
      running: OLD,
    });
    expect(selection).toEqual({
      kind: 'files',
      files: [
        { path: 'db/migrations/002.sql', sql: 'ALTER TABLE orders DROP COLUMN note;' },
        { path: 'db/migrations/10.sql', sql: 'SELECT 10;' },
      ],
      scope: 'added or changed between aaaaaaa (running) and bbbbbbb',
      unmatched: [],
    });
    expect(git.reads).toEqual(['b:db/migrations/002.sql', 'b:db/migrations/10.sql']);
  });

  it('resolves short SHAs to the commits git knows', async () => {
    const git = fakeGit(repo);
    const selection = await selectMigrations({
      git,
      globs: ['db/migrations/*.sql'],
      sha: NEW.slice(0, 7),
      running: OLD.slice(0, 12),
    });
    expect(selection.kind === 'files' && selection.files.map((f) => f.path)).toEqual([
      'db/migrations/002.sql',
      'db/migrations/10.sql',
    ]);
  });

  it('on a first deploy (nothing known to run) reads every matching file at the deployed commit', async () => {
    const selection = await selectMigrations({ git: fakeGit(repo), globs: ['db/**/*.sql'], sha: NEW });
    expect(selection.kind).toBe('files');
    if (selection.kind !== 'files') return;
    expect(selection.files.map((f) => f.path)).toEqual([
      'db/migrations/001.sql',
      'db/migrations/002.sql',
      'db/migrations/10.sql',
      'db/seeds/dev.sql',
    ]);
    expect(selection.scope).toContain('every migration at bbbbbbb');
  });

  it('checks nothing and says how to fetch the history when the running commit is missing from a shallow clone', async () => {
    const shallow: FakeRepo = { ...repo, commits: { [NEW]: repo.commits[NEW]! }, shallow: true };
    const selection = await selectMigrations({
      git: fakeGit(shallow),
      globs: ['db/**/*.sql'],
      sha: NEW,
      running: OLD,
    });
    expect(selection.kind).toBe('unavailable');
    if (selection.kind !== 'unavailable') return;
    expect(selection.reason).toContain('aaaaaaa (running in the environment) is not in this shallow clone');
    expect(selection.reason).toContain('actions/checkout with fetch-depth: 0');
  });

  it('checks nothing when the deployed commit is missing', async () => {
    const selection = await selectMigrations({
      git: fakeGit({ ...repo, commits: { [OLD]: {} } }),
      globs: ['db/**/*.sql'],
      sha: NEW,
      running: OLD,
    });
    expect(selection).toMatchObject({ kind: 'unavailable' });
    if (selection.kind === 'unavailable') {
      expect(selection.reason).toContain('bbbbbbb (being deployed) is not in this repository');
    }
  });

  it("checks nothing, with git's reason, when git or the repository is unavailable", async () => {
    const selection = await selectMigrations({
      git: fakeGit({
        ...repo,
        broken: 'fatal: not a git repository (or any of the parent directories): .git',
      }),
      globs: ['db/**/*.sql'],
      sha: NEW,
      running: OLD,
    });
    expect(selection).toMatchObject({ kind: 'unavailable' });
    if (selection.kind === 'unavailable') {
      expect(selection.reason).toContain('not a git repository');
      expect(selection.reason).toContain('fetch-depth: 0');
    }
  });
});

describe('migrate.paths globs', () => {
  it('keeps * within a segment, lets **/ span any depth, and supports ? and {a,b}', () => {
    expect(matcher(['db/*.sql'])('db/001.sql')).toBe(true);
    expect(matcher(['db/*.sql'])('db/sub/001.sql')).toBe(false);
    expect(matcher(['db/**/*.sql'])('db/001.sql')).toBe(true);
    expect(matcher(['db/**/*.sql'])('db/a/b/001.sql')).toBe(true);
    expect(matcher(['db/**/*.sql'])('dbx/001.sql')).toBe(false);
    expect(matcher(['./db/00?.sql'])('db/001.sql')).toBe(true);
    expect(matcher(['db/*.sql'])('db/001.sqlx')).toBe(false);
    expect(matcher(['{db,sql}/*.sql'])('sql/1.sql')).toBe(true);
    expect(matcher(['{db,sql}/*.sql'])('other/1.sql')).toBe(false);
  });

  it('understands character classes: [0-9]*.sql matches numbered migrations', () => {
    expect(matcher(['db/migrations/[0-9]*.sql'])('db/migrations/001_orders.sql')).toBe(true);
    expect(matcher(['db/migrations/[0-9]*.sql'])('db/migrations/seed.sql')).toBe(false);
  });

  it('reports a glob that matches no file at the deployed commit, even when other globs match', async () => {
    const selection = await selectMigrations({
      git: fakeGit(repo),
      globs: ['db/migrations/*.sql', 'db/migraitons/*.sql'],
      sha: NEW,
    });
    expect(selection).toMatchObject({ kind: 'files', unmatched: ['db/migraitons/*.sql'] });
  });
});
