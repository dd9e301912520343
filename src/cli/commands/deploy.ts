import { parseSha } from '../../config/sha.ts';
import { expandShaPrefix } from '../../pipeline/sha-prefix.ts';
import { envArgument, loadSetup, migrationCheck, openEnvironment, runReleaseCommand } from '../compose.ts';
import type { CliContext } from '../context.ts';

export interface DeployOptions {
  sha?: string;
  args?: unknown[];
}

/** `ferry deploy <env> --sha SHA`: the release runbook on one environment. */
export async function run(options: DeployOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const given = parseSha(String(options.sha ?? ''), '--sha');
  const setup = await loadSetup(ctx, env);
  const { ports, descriptor } = await openEnvironment(ctx, setup);
  const sha = await expandShaPrefix(ports, descriptor, setup.config, env, given);
  return runReleaseCommand(
    ctx,
    setup,
    ports,
    `deploy ${setup.app} ${env} ${sha.slice(0, 7)}`,
    { kind: 'deploy', env, sha, descriptor },
    migrationCheck(ctx, setup, ports, descriptor, sha),
  );
}
