import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { descriptorProblems, descriptorWarnings } from '../../config/descriptor-check.ts';
import { readJsonFile } from '../../config/load.ts';
import { descriptorSchema } from '../../config/schema.ts';
import { ExitCode, usageError } from '../../errors.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';

export interface DescriptorOptions {
  args?: unknown[];
}

/**
 * `ferry descriptor validate FILE`: every problem of a hand-written descriptor at once, one
 * line each with its JSON path; exit 0 when ferry can use it, 2 otherwise. Values that
 * disagree with each other (a repository URI in another account) are warnings.
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
  const value = await readJsonFile(path, 'descriptor');
  const problems = descriptorProblems(value);
  const out = new DataOutput(ctx);
  for (const { path, line } of problems) out.data('problem', { path, line });
  if (problems.length === 0) {
    const warnings = descriptorWarnings(descriptorSchema.parse(value));
    for (const { path, line } of warnings) {
      out.data('warning', { path, line });
      ctx.stderr.write(`warning: ${line}\n`);
    }
    out.text(`${file}: a valid environment descriptor${warnings.length ? ' (see the warnings above)' : ''}`);
    out.result({ file, valid: true, warnings: warnings.length });
    return ExitCode.Ok;
  }
  const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
  for (const problem of problems) ctx.stderr.write(`${problem.line}\n`);
  if (out.json) {
    ctx.stdout.write(
      `${JSON.stringify({ type: 'result', ts: new Date().toISOString(), outcome: 'aborted', exitCode: ExitCode.Usage, file, valid: false, reason: `${file}: ${count}` })}\n`,
    );
  }
  ctx.stderr.write(`ferry: ${file}: ${count}; docs/descriptor.md describes every field\n`);
  return ExitCode.Usage;
}
