/** The composition of `ferry lock status|release`: the environment's parameter store, the decision, its output. */
import { ExitCode, usageError } from '../errors.ts';
import { describeHolder } from '../pipeline/lock.ts';
import { releaseByHand, viewLock } from '../pipeline/lock-release.ts';
import { createPorts, loadSetup } from './compose.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { renderHandRelease, renderLockView } from './render/lock.ts';

export interface LockCommand {
  action: 'status' | 'release';
  env: string;
  force: boolean;
}

export async function runLockCommand(ctx: CliContext, { action, env, force }: LockCommand): Promise<number> {
  const setup = await loadSetup(ctx, env);
  const { parameters } = createPorts(ctx, setup);
  const where = { app: setup.app, env };
  const out = new DataOutput(ctx);
  if (action === 'status') {
    const view = await viewLock(parameters, where, new Date());
    out.data('lock', { env, ...view });
    out.text(renderLockView(env, view));
    out.result({ env });
    return ExitCode.Ok;
  }
  const dryRun = ctx.globals.dryRun;
  const release = await releaseByHand(parameters, where, { now: () => new Date(), force, dryRun });
  if (release.kind === 'refused') {
    throw usageError(
      `${env}: the lock is live, held by ${describeHolder(release.holder)}; that run may still be deploying`,
      `make sure it is dead (cancelled job, dead runner), then: ferry lock release ${env} --force`,
    );
  }
  const released = release.kind === 'break' && !dryRun;
  if (released)
    out.data('lock', { env, held: false, released: release.holder ?? null, forced: release.live });
  out.text(renderHandRelease(env, release, dryRun));
  out.result({ env, released });
  return ExitCode.Ok;
}
