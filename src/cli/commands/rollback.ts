import { parseSha } from '../../config/sha.ts';
import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runReleaseCommand } from '../release-command.ts';

export interface RollbackOptions {
  to?: string;
  args?: unknown[];
}

/**
 * `ferry rollback <env> [--to SHA]`: the previous successful release (or the one
 * with SHA) through the same deploy, watch and verify; no snapshot, no migration.
 */
export function run(options: RollbackOptions, ctx: CliContext): Promise<number> {
  return runReleaseCommand(ctx, 'rollback', () => ({
    env: envArgument(options.args, true)!,
    ask: {
      kind: 'rollback',
      ...(options.to === undefined ? {} : { to: parseSha(String(options.to), '--to') }),
    },
  }));
}
