import { usageError } from '../../errors.ts';
import { describeHolder, isExpired, readLock } from '../../pipeline/lock.ts';
import { lockParameter } from '../../pipeline/names.ts';
import { createPorts, envArgument, loadSetup } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';

export interface LockOptions {
  args?: unknown[];
}

/**
 * `ferry lock status|release <env>`. release removes the lock whoever holds it:
 * it is what a person runs after a deploy died without releasing it.
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
    return 0;
  }
  if (!holder && !(await ports.parameters.get(lockParameter(setup.app, env)))) {
    out.text(`${env}: not locked; nothing to release`);
    out.result({ env, released: false });
    return 0;
  }
  if (ctx.globals.dryRun) {
    out.text(
      `${env}: would release the lock held by ${describeHolder(holder)} (dry run: nothing was changed)`,
    );
    out.result({ env, released: false });
    return 0;
  }
  if (holder && !isExpired(holder, now)) {
    out.text(`${env}: the lock is live: make sure that run is dead, or it may still be deploying`);
  }
  await ports.parameters.delete(lockParameter(setup.app, env));
  out.data('lock', { env, held: false, released: holder ?? null });
  out.text(`${env}: released the lock${holder ? ` held by ${describeHolder(holder)}` : ''}`);
  out.result({ env, released: true });
  return 0;
}
