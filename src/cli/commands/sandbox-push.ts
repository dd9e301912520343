import { randomBytes } from 'node:crypto';
import { parseSha } from '../../config/sha.ts';
import { ExitCode, usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { ferryCommand } from '../sandbox-hints.ts';

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
  const { SandboxControl } = await import('../../sandbox/control-client.ts');
  let digest: string;
  ctx.mutations.record(`sandbox image push ${repository}:${sha}`);
  try {
    ({ digest } = await new SandboxControl(endpoint).pushImage(repository, sha));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/: 404 /.test(message)) {
      throw usageError(
        `the sandbox has no repository ${repository}; seed its app first (ferry sandbox --seed APP, or POST ${endpoint}/_sandbox/seed); repositories are named APP-ENV`,
      );
    }
    throw usageError(`nothing answers at AWS_ENDPOINT_URL=${endpoint}; is \`ferry sandbox\` running?`);
  }
  const out = new DataOutput(ctx);
  // The SHA alone on stdout, so that `SHA=$(ferry sandbox push shop-staging)` works.
  if (!out.json) ctx.stdout.write(`${sha}\n`);
  const env = repository.slice(repository.lastIndexOf('-') + 1);
  ctx.stderr.write(
    `pushed ${repository}:${sha} (${digest}); deploy it with: ${ferryCommand(ctx.cwd)} deploy ${env} --sha ${sha}\n`,
  );
  out.result({ repository, sha, digest });
  return ExitCode.Ok;
}
