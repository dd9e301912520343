/**
 * The few git questions migration selection asks, behind an interface so that
 * selection is tested without a repository. Paths are relative to `dir` (the
 * config file's directory), as the `migrate.paths` globs are.
 */
import { execFile } from 'node:child_process';

export interface Git {
  /** The full SHA of `rev` when this clone has that commit, undefined when it has not. */
  commit(rev: string): Promise<string | undefined>;
  /** Whether the clone is shallow (CI checkouts usually are): older commits are missing. */
  isShallow(): Promise<boolean>;
  /** Files added, changed, renamed or copied on `to`'s side since it forked from `from`. */
  changedFiles(from: string, to: string): Promise<string[]>;
  /** Every file at `rev`. */
  listFiles(rev: string): Promise<string[]>;
  /** A file's content at `rev`. */
  readFile(rev: string, path: string): Promise<string>;
}

/** git is missing, `dir` is not in a repository, or git failed: the reason, in git's words. */
export class GitUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitUnavailable';
  }
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Migrations can be large; git's answers are read whole, up to this much. */
const MAX_OUTPUT = 64 * 1024 * 1024;

export function createGit(dir: string, env: NodeJS.ProcessEnv): Git {
  const run = (args: string[]): Promise<Output> =>
    new Promise((resolve, reject) => {
      execFile(
        'git',
        ['-C', dir, ...args],
        { env, maxBuffer: MAX_OUTPUT, encoding: 'utf8', timeout: 60_000 },
        (err, stdout, stderr) => {
          if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') {
            reject(new GitUnavailable('git is not installed (or not on PATH)'));
            return;
          }
          if (err?.killed) {
            reject(new GitUnavailable(`git ${args[0]} did not answer within a minute`));
            return;
          }
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  const ok = async (args: string[]): Promise<string> => {
    const out = await run(args);
    if (out.code !== 0)
      throw new GitUnavailable(firstLine(out.stderr) || `git ${args[0]} exited with ${out.code}`);
    return out.stdout;
  };
  const paths = (text: string) => text.split('\0').filter((p) => p !== '');
  return {
    async commit(rev) {
      const out = await run(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`]);
      if (out.code === 0) return out.stdout.trim();
      if (out.code === 1 && out.stderr.trim() === '') return undefined;
      throw new GitUnavailable(firstLine(out.stderr) || `git rev-parse exited with ${out.code}`);
    },
    isShallow: async () => (await ok(['rev-parse', '--is-shallow-repository'])).trim() === 'true',
    changedFiles: async (from, to) =>
      paths(await ok(['diff', '--name-only', '-z', '--relative', '--diff-filter=ACMR', `${from}...${to}`])),
    // ls-tree run inside a subdirectory lists that subdirectory, relative to it.
    listFiles: async (rev) => paths(await ok(['ls-tree', '-r', '-z', '--name-only', rev])),
    readFile: (rev, path) => ok(['show', `${rev}:./${path}`]),
  };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
