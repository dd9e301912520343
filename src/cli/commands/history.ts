import { ExitCode, usageError } from '../../errors.ts';
import { readLedger } from '../../pipeline/ledger.ts';
import { envArgument, loadSetup, openEnvironment } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { releaseTable } from '../release-table.ts';

export interface HistoryOptions {
  limit?: string;
  args?: unknown[];
}

/** `ferry history <env> [--limit N]`: the release ledger (GetParameterHistory), newest first. */
export async function run(options: HistoryOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const limit = Number(options.limit ?? '20');
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw usageError(
      `--limit: "${options.limit}" is not a number from 1 to 100 (SSM keeps the last 100 versions)`,
    );
  }
  const setup = await loadSetup(ctx, env);
  const { ports, descriptor } = await openEnvironment(ctx, setup);
  const entries = (await readLedger(ports.parameters, descriptor.app, env)).slice(0, limit);
  const out = new DataOutput(ctx);
  for (const e of entries) out.data('release', { env, ...e });
  out.text(releaseTable(entries));
  out.result({ env, count: entries.length });
  return ExitCode.Ok;
}
