import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { parseSince, runMetricsCommand } from '../metrics-command.ts';

export interface MetricsOptions {
  since?: string;
  args?: unknown[];
}

/**
 * `ferry metrics [env] [--since 30d]`: the DORA four keys from each
 * environment's release ledger (read-only; one GetParameterHistory per environment).
 */
export async function run(options: MetricsOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, false);
  const now = new Date();
  const since = parseSince(options.since ?? '30d', now);
  return runMetricsCommand(ctx, { ...(env ? { env } : {}), since, now });
}
