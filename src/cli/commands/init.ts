import type { CliContext } from '../context.ts';
import { type InitDeps, runInit } from '../init-command.ts';

export type { InitDeps } from '../init-command.ts';

export interface InitOptions {
  stagingAccount?: string;
  productionAccount?: string;
  githubRepo?: string;
  githubOwnerId?: string;
  githubRepositoryId?: string;
  force?: boolean;
}

/**
 * `ferry init`: writes ferry.config.json, infra/ (a Pulumi project on ferry/stacks) and the
 * deploy and preview workflows into the current directory, then prints what is left to do.
 * Writes nothing when any of those files exists, unless --force.
 */
export function run(options: InitOptions, ctx: CliContext, deps: InitDeps = {}): Promise<number> {
  return runInit(
    ctx,
    {
      given: {
        app: ctx.globals.app,
        region: ctx.globals.region,
        stagingAccount: options.stagingAccount,
        productionAccount: options.productionAccount,
        githubRepo: options.githubRepo,
        githubOwnerId: options.githubOwnerId,
        githubRepositoryId: options.githubRepositoryId,
      },
      force: Boolean(options.force),
    },
    deps,
  );
}
