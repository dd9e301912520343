import { parseSha } from '../../config/sha.ts';
import { usageError } from '../../errors.ts';
import { expandShaPrefix } from '../../pipeline/sha-prefix.ts';
import { envArgument, loadSetup, migrationCheck, openEnvironment, runReleaseCommand } from '../compose.ts';
import type { CliContext } from '../context.ts';

export interface DeployOptions {
  sha?: string;
  skipPromotion?: boolean;
  args?: unknown[];
}

/** `ferry deploy <env> --sha SHA`: the release runbook on one environment. */
export async function run(options: DeployOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const given = parseSha(String(options.sha ?? ''), '--sha');
  const setup = await loadSetup(ctx, env);
  // An environment fed by promotion takes only images that passed its source.
  const promoteFrom = setup.config.environments[env]?.promoteFrom;
  const skipPromotion = Boolean(options.skipPromotion && promoteFrom);
  if (promoteFrom && !options.skipPromotion) {
    throw usageError(
      `${env} takes images only through promotion from ${promoteFrom} (environments.${env}.promoteFrom); nothing was changed`,
      `release what passed ${promoteFrom}: ferry promote --from ${promoteFrom} --to ${env} --sha ${given}`,
      'in an emergency only, deploy without promotion with --skip-promotion (recorded in the ledger and flagged)',
    );
  }
  const { ports, descriptor } = await openEnvironment(ctx, setup);
  const sha = await expandShaPrefix(ports, descriptor, setup.config, env, given);
  const check = migrationCheck(ctx, setup, ports, descriptor, sha);
  return runReleaseCommand(
    ctx,
    setup,
    ports,
    `deploy ${setup.app} ${env} ${sha.slice(0, 7)}${skipPromotion ? ' (promotion skipped)' : ''}`,
    { kind: 'deploy', env, sha, descriptor, ...(skipPromotion ? { skippedPromotion: true } : {}) },
    async (reporter) => {
      if (skipPromotion) {
        reporter.emit({
          type: 'log',
          level: 'warn',
          message: `deploying to ${env} without promotion from ${promoteFrom} (--skip-promotion): this image did not have to pass ${promoteFrom}`,
        });
      }
      await check(reporter);
    },
  );
}
