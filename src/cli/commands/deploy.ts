import { parseSha } from '../../config/sha.ts';
import { envArgument, loadSetup, migrationCheck, openEnvironment, runReleaseCommand } from '../compose.ts';
import type { CliContext } from '../context.ts';

export interface DeployOptions {
  sha?: string;
  args?: unknown[];
}

/** `ferry deploy <env> --sha SHA`: the release runbook on one environment. */
export async function run(options: DeployOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const sha = parseSha(String(options.sha ?? ''), '--sha');
  const setup = await loadSetup(ctx, env);
  const { ports, descriptor } = await openEnvironment(ctx, setup);
  return runReleaseCommand(
    ctx,
    setup,
    ports,
    `deploy ${setup.app} ${env} ${sha.slice(0, 7)}`,
    { kind: 'deploy', env, sha, descriptor },
    migrationCheck(ctx, setup, ports, descriptor, sha),
  );
}
