import { parseSha } from '../../config/sha.ts';
import { runRelease } from '../../pipeline/release.ts';
import { findRollbackTarget } from '../../pipeline/rollback-target.ts';
import {
  envArgument,
  loadSetup,
  lockOwner,
  newRunId,
  openEnvironment,
  pipelineDeps,
  reporterFor,
} from '../compose.ts';
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
  const reporter = reporterFor(ctx, `rollback ${setup.app} ${env} to ${target.sha.slice(0, 7)}`);
  try {
    const result = await runRelease(pipelineDeps(ctx, setup, ports, reporter), {
      kind: 'rollback',
      env,
      sha: target.sha,
      config: setup.config,
      descriptor,
      timeoutMs: setup.timeoutMs,
      dryRun: ctx.globals.dryRun,
      owner: lockOwner(ctx.env),
      runId: newRunId(),
      ...(ctx.env.GITHUB_ACTOR ? { actor: ctx.env.GITHUB_ACTOR } : {}),
      rollbackTo: { digest: target.digest, taskDefinitionArn: target.taskDefinitionArn },
    });
    return result.exitCode;
  } finally {
    await reporter.close();
  }
}
