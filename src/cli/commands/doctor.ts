import { parseSha } from '../../config/sha.ts';
import { envArgument } from '../compose.ts';
import type { CliContext } from '../context.ts';
import { runDoctorCommand } from '../doctor-command.ts';

export interface DoctorOptions {
  sha?: string;
  args?: unknown[];
}

/**
 * `ferry doctor <env> [--sha SHA]`: read-only preflight of an environment.
 * Exit 0 when every check passes (warnings allowed), 2 naming each failure.
 */
export async function run(options: DoctorOptions, ctx: CliContext): Promise<number> {
  const env = envArgument(options.args, true)!;
  const sha = options.sha === undefined ? undefined : parseSha(options.sha, '--sha');
  return runDoctorCommand(ctx, { env, ...(sha ? { sha } : {}) });
}
