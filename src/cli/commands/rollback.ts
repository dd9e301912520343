import { parseSha } from '../../config/sha.ts';
import type { ServiceRevisions } from '../../pipeline/ledger.ts';
import { findRollbackTarget } from '../../pipeline/rollback-target.ts';
import { envArgument, loadSetup, openEnvironment, runReleaseCommand } from '../compose.ts';
import type { CliContext } from '../context.ts';

export interface RollbackOptions {
  to?: string;
  args?: unknown[];
}

/**
 * `ferry rollback <env> [--to SHA]`: the previous successful release (or the one
 * with SHA) through the same deploy, watch and verify; no snapshot, no migration.
 */
export async function run(options: RollbackOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const to = options.to === undefined ? undefined : parseSha(String(options.to), '--to');
  const setup = await loadSetup(ctx, env);
  const { ports, descriptor } = await openEnvironment(ctx, setup);
  const target = await findRollbackTarget(ports, descriptor, env, to);
  return runReleaseCommand(ctx, setup, ports, `rollback ${setup.app} ${env} to ${target.sha.slice(0, 7)}`, {
    kind: 'rollback',
    env,
    sha: target.sha,
    descriptor,
    rollbackTo: {
      digest: target.digest,
      taskDefinitionArn: target.taskDefinitionArn,
      // Every service returns to the revision it ran in that release.
      ...(target.services ? { services: revisionsByService(target.services) } : {}),
    },
  });
}

function revisionsByService(services: ServiceRevisions[]): Record<string, string> {
  return Object.fromEntries(
    services.flatMap((s) => (s.taskDefinitionArn ? [[s.name, s.taskDefinitionArn]] : [])),
  );
}
