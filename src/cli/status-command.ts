/**
 * The composition of `ferry status`: each environment read with its own role,
 * on its own, so one that cannot be read (its role refuses this caller, as a
 * GitHub job's token fits one environment only) is named with the reason and
 * the others are still shown.
 */
import { AccessError } from '../aws/errors.ts';
import { describeAwsError } from '../aws/index.ts';
import { ExitCode, isFerryError } from '../errors.ts';
import { type EnvironmentStatus, readEnvironmentStatus } from '../pipeline/status.ts';
import { loadSetup, openEnvironment, type Setup } from './compose.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { renderStatus, renderUnread, unreadNote } from './render/status.ts';

export interface StatusCommand {
  /** One environment; without it, every environment of the config. */
  env?: string;
}

/** Exit 0 when every environment was read, 2 when at least one was not. */
export async function runStatusCommand(ctx: CliContext, { env: only }: StatusCommand): Promise<number> {
  const first = await loadSetup(ctx, only);
  const envs = only ? [only] : Object.keys(first.config.environments);
  const out = new DataOutput(ctx);
  const unreadable: string[] = [];
  for (const env of envs) {
    const setup = env === first.env ? first : await loadSetup(ctx, env);
    const read = await readOne(ctx, setup);
    if ('status' in read) {
      out.data('status', { ...read.status });
      out.text(renderStatus(read.status));
    } else {
      unreadable.push(env);
      out.data('status', { env, error: read.reason, ...(read.hints.length ? { hints: read.hints } : {}) });
      out.text(renderUnread(env, read.reason, read.hints));
      // Every problem on stderr too, as deploy prints them: a bad descriptor is fixed in one go.
      ctx.stderr.write(`ferry: ${env}: ${read.reason}\n`);
      for (const hint of read.hints) ctx.stderr.write(`  ${hint}\n`);
    }
  }
  if (unreadable.length > 0 && envs.length > 1) out.text(unreadNote(unreadable));
  out.result({
    ...(only ? { env: only } : {}),
    ...(unreadable.length ? { outcome: 'failed', exitCode: ExitCode.Usage, unreadable } : {}),
  });
  return unreadable.length ? ExitCode.Usage : ExitCode.Ok;
}

type Read = { status: EnvironmentStatus } | { reason: string; hints: string[] };

async function readOne(ctx: CliContext, setup: Setup): Promise<Read> {
  try {
    const { ports, descriptor } = await openEnvironment(ctx, setup);
    return { status: await readEnvironmentStatus(ports, descriptor, setup.env) };
  } catch (err) {
    // Without credentials or an endpoint, every environment fails the same way: say it once.
    if (err instanceof AccessError) throw err;
    if (isFerryError(err)) return { reason: err.message, hints: [...err.hints] };
    // An AWS error (a denied read, say) is this environment's problem, not ferry's bug.
    if (typeof err === 'object' && err !== null && '$metadata' in err) {
      return { reason: describeAwsError(err), hints: [] };
    }
    throw err;
  }
}
