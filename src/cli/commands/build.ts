import { parseBuilder } from '../../build/build-inputs.ts';
import { runBuildCommand } from '../build-command.ts';
import type { CliContext } from '../context.ts';

export interface BuildOptions {
  env?: string;
  sha?: string;
  builder?: string;
  platform?: string;
  args?: unknown[];
}

/**
 * `ferry build [--env ENV] [--sha SHA] [--builder B] [--platform P]`: build the
 * image of a clean commit, tag it with the SHA and push it to the environment's repository.
 */
export async function run(options: BuildOptions, ctx: CliContext): Promise<number> {
  const builder = parseBuilder(options.builder);
  return runBuildCommand(ctx, {
    env: options.env ?? 'staging',
    ...(options.sha !== undefined ? { sha: options.sha } : {}),
    ...(builder ? { builder } : {}),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
  });
}
