import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { descriptorProblems } from '../../config/descriptor-check.ts';
import { readJsonFile } from '../../config/load.ts';
import { usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';

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
  const problems = descriptorProblems(await readJsonFile(path, 'descriptor'));
  const out = new DataOutput(ctx);
  for (const { path, line } of problems) out.data('problem', { path, line });
  if (problems.length === 0) {
    out.text(`${file}: a valid environment descriptor`);
    out.result({ file, valid: true });
    return 0;
  }
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  for (const problem of problems) ctx.stderr.write(`${problem.line}\n`);
  if (out.json) {
    ctx.stdout.write(
      `${JSON.stringify({ type: 'result', ts: new Date().toISOString(), outcome: 'aborted', exitCode: 2, file, valid: false, reason: `${file}: ${count}` })}\n`,
    );
  }
  ctx.stderr.write(`ferry: ${file}: ${count}; docs/descriptor.md describes every field\n`);
  return 2;
}
