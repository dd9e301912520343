import { randomBytes } from 'node:crypto';
import { parseSha } from '../../config/sha.ts';
import { usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { runSandboxPush } from '../sandbox-push-command.ts';

export interface SandboxPushOptions {
  args?: unknown[];
}

/**
 * `ferry sandbox push <repository> [sha]`: a new image in a running sandbox's
 * registry, tagged with `sha` (default: a fresh random one), through the
 * sandbox's control API at AWS_ENDPOINT_URL. The sandbox runs versions, not
 * containers, so the image is synthetic; `ferry build` pushes real ones.
 */
export async function run(options: SandboxPushOptions, ctx: CliContext): Promise<number> {
  const [repository, given] = (options.args ?? []) as (string | undefined)[];
  if (!repository || !/^[a-z0-9][a-z0-9._/-]{1,255}$/.test(repository)) {
    throw usageError(
      `repository: "${repository ?? ''}" is not a repository name, such as shop-staging (APP-ENV of a seeded app)`,
    );
  }
  const sha = given === undefined ? randomBytes(20).toString('hex') : parseSha(given, 'sha');
  const endpoint = ctx.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    throw usageError(
      'AWS_ENDPOINT_URL is not set; run the `export AWS_ENDPOINT_URL=...` line that `ferry sandbox` printed',
    );
  }
  return runSandboxPush(ctx, { repository, sha, endpoint });
}
