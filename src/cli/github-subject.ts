/**
 * The OIDC subject (`sub`) a GitHub Actions job deploying an environment
 * presents, which the deploy role's trust policy must name exactly.
 */
import { execFile } from 'node:child_process';
import type { Runtime } from '../runtime.ts';

/** OWNER/REPO of a github.com remote URL (https or ssh), else undefined. */
export function githubRepositoryOf(remoteUrl: string): string | undefined {
  const match = /github\.com[:/]([\w.-]+)\/([\w.-]+?)(?:\.git)?\/?$/.exec(remoteUrl.trim());
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/**
 * What the stacks trust: pushes to main deploy an environment without
 * `promoteFrom` (staging); a job in the GitHub environment of the same name
 * deploys one with it (production).
 */
export function expectedSubject(repository: string, env: string, promoted: boolean): string {
  return `repo:${repository}:${promoted ? `environment:${env}` : 'ref:refs/heads/main'}`;
}

/** OWNER/REPO from GITHUB_REPOSITORY, else from `git remote get-url origin` in `dir` (git run with `env`). */
export async function currentRepository(
  runtime: Runtime,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<string | undefined> {
  if (runtime.github.repository) return runtime.github.repository;
  const url = await new Promise<string>((resolve) => {
    execFile('git', ['remote', 'get-url', 'origin'], { cwd: dir, env, timeout: 5_000 }, (err, stdout) =>
      resolve(err ? '' : stdout),
    );
  });
  return githubRepositoryOf(url);
}
