import { parseSha } from '../../config/sha.ts';
import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runReleaseCommand } from '../release-command.ts';

export interface PromoteOptions {
  from?: string;
  to?: string;
  sha?: string;
  skipSourceCheck?: boolean;
  allowOlder?: boolean;
}

/**
 * `ferry promote --from staging --to production [--sha SHA]`: the exact image
 * that passed `--from` (by digest, from its ledger), and that `--from` runs
 * healthily right now, is copied into `--to`'s repository after the lock, then
 * released there through the full runbook. When `--to` already runs it, nothing happens.
 */
export function run(options: PromoteOptions, ctx: CliContext): Promise<number> {
  return runReleaseCommand(ctx, 'promote', () => {
    const from = envArgument([options.from], true)!;
    return {
      env: envArgument([options.to], true)!,
      ask: {
        kind: 'promote',
        from,
        ...(options.sha === undefined ? {} : { sha: parseSha(String(options.sha), '--sha') }),
        ...(options.skipSourceCheck ? { skipSourceCheck: true } : {}),
        ...(options.allowOlder ? { allowOlder: true } : {}),
      },
    };
  });
}
