import { ExitCode, usageError } from '../../errors.ts';
import { describeHolder, isExpired, readLock } from '../../pipeline/lock.ts';
import { lockParameter } from '../../pipeline/resource-names.ts';
import { createPorts, envArgument, loadSetup } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';

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
  const setup = await loadSetup(ctx, env);
  const ports = createPorts(ctx, setup);
  const where = { app: setup.app, env };
  const holder = await readLock(ports.parameters, where);
  const out = new DataOutput(ctx);
  const now = new Date();
  if (action === 'status') {
    out.data('lock', {
      env,
      held: Boolean(holder),
      ...(holder ? { holder, expired: isExpired(holder, now) } : {}),
    });
    out.text(
      holder
        ? `${env}: locked by ${describeHolder(holder)}${isExpired(holder, now) ? ' (expired)' : ''}`
        : `${env}: not locked`,
    );
    out.result({ env });
    return ExitCode.Ok;
  }
  if (!holder && !(await ports.parameters.get(lockParameter(setup.app, env)))) {
    out.text(`${env}: not locked; nothing to release`);
    out.result({ env, released: false });
    return ExitCode.Ok;
  }
  const live = holder !== undefined && !isExpired(holder, now);
  if (live && !options.force) {
    throw usageError(
      `${env}: the lock is live, held by ${describeHolder(holder)}; that run may still be deploying`,
      `make sure it is dead (cancelled job, dead runner), then: ferry lock release ${env} --force`,
    );
  }
  if (ctx.globals.dryRun) {
    out.text(
      `${env}: would release the lock held by ${describeHolder(holder)} (dry run: nothing was changed)`,
    );
    out.result({ env, released: false });
    return ExitCode.Ok;
  }
  await ports.parameters.delete(lockParameter(setup.app, env));
  out.data('lock', { env, held: false, released: holder ?? null, forced: live });
  out.text(
    `${env}: released the ${live ? 'live ' : ''}lock${holder ? ` held by ${describeHolder(holder)}` : ''}`,
  );
  out.result({ env, released: true });
  return ExitCode.Ok;
}
