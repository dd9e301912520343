import { isValidName, NAME_RULE } from '../../config/name-rule.ts';
import { usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { parsePort, parseTimeScale, runSandboxCommand } from '../sandbox-command.ts';

export interface SandboxArgs {
  port?: string;
  seed?: string;
  timeScale?: string;
  /** Seed a worker service (no load balancer) next to the web one. */
  worker?: boolean;
  real?: boolean;
  args: string[];
}

/** `ferry sandbox`: starts the simulated AWS, prints its endpoint, runs until SIGINT/SIGTERM. */
export async function run(args: SandboxArgs, ctx: CliContext): Promise<number> {
  const port = parsePort(args.port);
  if (args.worker && args.seed === undefined) throw usageError('`--worker` needs `--seed <app>`');
  const timeScale = parseTimeScale(args.timeScale);
  if (args.seed !== undefined && !isValidName(args.seed)) {
    throw usageError(`\`--seed\` must be an app name, got "${args.seed}"; ${NAME_RULE}`);
  }
  return runSandboxCommand(ctx, {
    ...(port !== undefined ? { port } : {}),
    ...(timeScale !== undefined ? { timeScale } : {}),
    ...(args.seed !== undefined ? { seed: args.seed } : {}),
    worker: args.worker === true,
    real: args.real === true,
  });
}
