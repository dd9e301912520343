/** The composition of `ferry sandbox push`: one synthetic image through a running sandbox's control API. */
import { ExitCode, usageError } from '../errors.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { ferryCommand } from './sandbox-hints.ts';

export interface SandboxPush {
  repository: string;
  sha: string;
  /** The sandbox's AWS_ENDPOINT_URL. */
  endpoint: string;
}

export async function runSandboxPush(
  ctx: CliContext,
  { repository, sha, endpoint }: SandboxPush,
): Promise<number> {
  const { SandboxControl } = await import('../sandbox/control-client.ts');
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
