import { usageError } from '../../errors.ts';
import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runLockCommand } from '../lock-command.ts';

export interface LockOptions {
  args?: unknown[];
  force?: boolean;
}

/**
 * `ferry lock status|release <env> [--force]`. release is what a person runs
 * after a deploy died without releasing its lock: an expired lock goes at once,
 * a live one only with --force (its holder may still be deploying), and the
 * holder it breaks is printed either way.
 */
export async function run(options: LockOptions, ctx: CliContext): Promise<number> {
  const [action, ...rest] = options.args ?? [];
  if (action !== 'status' && action !== 'release') {
    throw usageError(
      `lock: "${String(action)}" is not an action; use \`ferry lock status <env>\` or \`ferry lock release <env>\``,
    );
  }
  const env = envArgument(rest, true)!;
  return runLockCommand(ctx, { action, env, force: options.force === true });
}
