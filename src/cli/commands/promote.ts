import { copyImage, describeCopy } from '../../aws/ecr-copy.ts';
import { createEcrAccess } from '../../aws/ecr-copy-access.ts';
import { parseSha } from '../../config/sha.ts';
import { usageError } from '../../errors.ts';
import { IMAGE_COPY_BOUND_MS } from '../../pipeline/bounds.ts';
import type { ImageCopier } from '../../pipeline/ports.ts';
import { choosePromotion } from '../../pipeline/promotion.ts';
import { refuseOlderPromotion } from '../../pipeline/promotion-order.ts';
import { envArgument, loadSetup, migrationCheck, openEnvironment, runReleaseCommand } from '../compose.ts';
import type { CliContext } from '../context.ts';

/** A copy of one image (layers streamed registry to registry) that takes longer is stuck. */
const IMAGE_COPY_TIMEOUT_MS = IMAGE_COPY_BOUND_MS;

export interface PromoteOptions {
  from?: string;
  to?: string;
  sha?: string;
  skipSourceCheck?: boolean;
  allowOlder?: boolean;
}

/**
 * `ferry promote --from staging --to production [--sha SHA] [--skip-source-check]`:
 * the exact image that passed `--from` (by digest, from its ledger), and that
 * `--from` runs healthily right now, is copied into `--to`'s repository after the
 * lock, then released there through the full runbook. When `--to` already runs
 * it, nothing happens.
 */
export async function run(options: PromoteOptions, ctx: CliContext): Promise<number> {
  const from = envArgument([options.from], true)!;
  const to = envArgument([options.to], true)!;
  if (from === to) throw usageError(`--from and --to are both ${from}; promote between two environments`);
  const sha = options.sha === undefined ? undefined : parseSha(String(options.sha), '--sha');

  const target = await loadSetup(ctx, to);
  const promoteFrom = target.config.environments[to]?.promoteFrom;
  if (promoteFrom !== undefined && promoteFrom !== from) {
    throw usageError(
      `--from ${from}: ${to} promotes from ${promoteFrom} (environments.${to}.promoteFrom in ${ctx.globals.config})`,
    );
  }
  // --role-arn and --descriptor name the target; the source is read from its own SSM descriptor.
  // promoteFromRoleArn: a read-only role on the source that this environment's CI jobs may assume.
  const sourceRole = target.config.environments[to]?.promoteFromRoleArn;
  const sourceCtx: CliContext = {
    ...ctx,
    globals: { ...ctx.globals, roleArn: sourceRole, descriptor: undefined },
  };
  const source = await loadSetup(sourceCtx, from);
  const src = await openEnvironment(sourceCtx, source);
  const choice = await choosePromotion(src.ports, src.descriptor, from, sha);
  const dst = await openEnvironment(ctx, target);
  if (!options.allowOlder) {
    await refuseOlderPromotion({
      source: { ports: src.ports, descriptor: src.descriptor, env: from },
      target: { ports: dst.ports, descriptor: dst.descriptor, env: to },
      sha: choice.sha,
    });
  }

  const mask = (secret: string) => ctx.stderr.write(`::add-mask::${secret}\n`);
  const sourceEcr = createEcrAccess({
    region: source.region,
    env: ctx.env,
    environment: from,
    mask,
    ...(source.roleArn ? { roleArn: source.roleArn } : {}),
  });
  const targetEcr = createEcrAccess({
    region: target.region,
    env: ctx.env,
    environment: to,
    mask,
    ...(target.roleArn ? { roleArn: target.roleArn } : {}),
  });
  const copier: ImageCopier = {
    async copy(digest, tag, signal) {
      const result = await copyImage({
        source: {
          client: sourceEcr.client,
          repositoryName: src.descriptor.repository.name,
          registryId: src.descriptor.accountId,
        },
        target: {
          client: targetEcr.client,
          repositoryName: dst.descriptor.repository.name,
          registryId: dst.descriptor.accountId,
        },
        digest,
        tag,
        // Every request of the copy has its own timeout; this bounds the copy as a whole.
        signal: AbortSignal.any([signal, AbortSignal.timeout(IMAGE_COPY_TIMEOUT_MS)]),
      });
      return { detail: describeCopy(result) };
    },
  };

  const title = `promote ${target.app} ${from} -> ${to} ${choice.sha.slice(0, 7)}`;
  // Migrations are judged against what runs in the target: that is what they will change.
  const checkMigrations = migrationCheck(ctx, target, dst.ports, dst.descriptor, choice.sha);
  return runReleaseCommand(
    ctx,
    target,
    dst.ports,
    title,
    {
      kind: 'deploy',
      env: to,
      sha: choice.sha,
      descriptor: dst.descriptor,
      promotion: {
        from,
        digest: choice.digest,
        copier,
        source: src,
        ...(options.skipSourceCheck ? { skipSourceCheck: true } : {}),
      },
    },
    async (reporter) => {
      reporter.emit({
        type: 'log',
        level: 'info',
        message: `promoting ${choice.sha} (${choice.digest}), deployed to ${from} at ${choice.passed.finishedAt} by ${choice.passed.actor}`,
      });
      await checkMigrations(reporter);
    },
  );
}
