import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runStatusCommand } from '../status-command.ts';

export interface StatusOptions {
  args?: unknown[];
}

/**
 * `ferry status [env]`: per environment, what runs (SHA, digest), the rollout,
 * tasks, recent releases, the lock. An environment that cannot be read is
 * named with the reason and the others are still shown. Exit 0 when every
 * environment was read, 2 when at least one was not.
 */
export async function run(options: StatusOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, false);
  return runStatusCommand(ctx, env ? { env } : {});
}
