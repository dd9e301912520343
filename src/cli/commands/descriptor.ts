import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { runDescriptorValidate } from '../descriptor-command.ts';

export interface DescriptorOptions {
  args?: unknown[];
}

/**
 * `ferry descriptor validate FILE`: every problem of a hand-written descriptor at once, one
 * line each with its JSON path; exit 0 when ferry can use it, 2 otherwise.
 */
export async function run(options: DescriptorOptions, ctx: CliContext): Promise<number> {
  const [action, file] = options.args ?? [];
  if (action !== 'validate') {
    throw usageError(
      `descriptor: "${String(action)}" is not an action; use \`ferry descriptor validate FILE\``,
    );
  }
  if (typeof file !== 'string') throw usageError('descriptor validate: name the FILE to check');
  const path = resolve(ctx.cwd, file);
  if (!existsSync(path)) throw usageError(`descriptor validate: ${file} does not exist`);
  return runDescriptorValidate(ctx, { file, path });
}
