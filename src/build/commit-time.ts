import { execFile } from 'node:child_process';

/**
 * When `sha` was committed, as ISO-8601 UTC, from the git repository at `dir`;
 * undefined when git, the repository or the commit is not there (a shallow CI
 * clone of another commit). Only lead-time metrics depend on it.
 */
export function commitTime(dir: string, sha: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', dir, 'log', '-1', '--format=%cI', sha, '--'],
      { env, encoding: 'utf8', timeout: 10_000 },
      (err, stdout) => {
        const when = err ? Number.NaN : Date.parse(stdout.trim());
        resolve(Number.isNaN(when) ? undefined : new Date(when).toISOString());
      },
    );
  });
}
