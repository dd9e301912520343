import { parseSha } from '../../config/sha.ts';
import { runRelease } from '../../pipeline/release.ts';
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
  const reporter = reporterFor(ctx, `deploy ${setup.app} ${env} ${sha.slice(0, 7)}`);
  try {
    const result = await runRelease(pipelineDeps(ctx, setup, ports, reporter), {
      kind: 'deploy',
      env,
      sha,
      config: setup.config,
      descriptor,
      timeoutMs: setup.timeoutMs,
      dryRun: ctx.globals.dryRun,
      owner: lockOwner(ctx.env),
      runId: newRunId(),
      ...(ctx.env.GITHUB_ACTOR ? { actor: ctx.env.GITHUB_ACTOR } : {}),
    });
    return result.exitCode;
  } finally {
    await reporter.close();
  }
}
