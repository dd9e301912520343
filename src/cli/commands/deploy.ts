import { parseSha } from '../../config/sha.ts';
import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runReleaseCommand } from '../release-command.ts';

export interface DeployOptions {
  sha?: string;
  skipPromotion?: boolean;
  args?: unknown[];
}

/** `ferry deploy <env> --sha SHA [--skip-promotion]`: the release runbook on one environment. */
export function run(options: DeployOptions, ctx: CliContext): Promise<number> {
  return runReleaseCommand(ctx, 'deploy', () => ({
    env: envArgument(options.args, true)!,
    ask: {
      kind: 'deploy',
      sha: parseSha(String(options.sha ?? ''), '--sha'),
      ...(options.skipPromotion ? { skipPromotion: true } : {}),
    },
  }));
}
