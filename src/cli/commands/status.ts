import { AccessError } from '../../aws/errors.ts';
import { describeAwsError } from '../../aws/index.ts';
import { ExitCode, isFerryError } from '../../errors.ts';
import { describeHolder } from '../../pipeline/lock.ts';
import { type EnvironmentStatus, readEnvironmentStatus } from '../../pipeline/status.ts';
import { envArgument, loadSetup, openEnvironment, type Setup } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';
import { releaseTable } from '../release-table.ts';
import { renderTable } from '../render/index.ts';
import { ellipsize } from '../render/shorten.ts';

export interface StatusOptions {
  args?: unknown[];
}

/**
 * `ferry status [env]`: per environment, what runs (SHA, digest), the rollout,
 * tasks, recent releases, the lock. Each environment is read with its own role,
 * on its own: one that cannot be read (its role refuses this caller, as a
 * GitHub job's token fits one environment only) is named with the reason, and
 * the others are still shown. Exit 0 when every environment was read, 2 when
 * at least one was not.
 */
export async function run(options: StatusOptions, ctx: CliContext): Promise<number> {
  const only = envArgument(options.args, false);
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
      out.text(`${env}\n  not read: ${read.reason}${read.hints.map((h) => `\n    ${h}`).join('')}`);
      // Every problem on stderr too, as deploy prints them: a bad descriptor is fixed in one go.
      ctx.stderr.write(`ferry: ${env}: ${read.reason}\n`);
      for (const hint of read.hints) ctx.stderr.write(`  ${hint}\n`);
    }
  }
  if (unreadable.length > 0 && envs.length > 1) {
    out.text(
      `could not read ${unreadable.join(', ')}; read the others (run \`ferry status <env>\` with that environment's credentials)`,
    );
  }
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

function renderStatus(status: EnvironmentStatus): string {
  return [
    status.env,
    indent(
      renderTable(
        ['service', 'sha', 'digest', 'rollout', 'running', 'deployments'],
        status.services.map((s) => [
          ellipsize(s.name, 24),
          s.sha?.slice(0, 12) ?? '?',
          s.digest?.slice(0, 19) ?? '?',
          s.rolloutState ?? '-',
          `${s.running}/${s.desired}`,
          String(s.deployments),
        ]),
      ),
    ),
    `  lock: ${status.lock ? describeHolder(status.lock) : 'free'}`,
    indent(releaseTable(status.releases)),
  ].join('\n');
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
