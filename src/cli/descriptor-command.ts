/**
 * The composition of `ferry descriptor validate`: every problem of a
 * hand-written descriptor at once, one line each with its JSON path. Values
 * that disagree with each other (a repository URI in another account) are
 * warnings.
 */
import { descriptorProblems, descriptorWarnings } from '../config/descriptor-check.ts';
import { readJsonFile } from '../config/load.ts';
import { descriptorSchema } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';

export interface DescriptorValidation {
  /** As the user typed it: the name every line uses. */
  file: string;
  /** The file, resolved against the working directory. */
  path: string;
}

/** Exit 0 when ferry can use the descriptor, 2 otherwise. */
export async function runDescriptorValidate(
  ctx: CliContext,
  { file, path }: DescriptorValidation,
): Promise<number> {
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
