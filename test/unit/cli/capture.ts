// A CliContext whose stdout and stderr are strings, for running command modules in-process.
import type { CliContext, GlobalOptions } from '../../../src/cli/context.ts';
import { MutationLog } from '../../../src/mutations.ts';
import { readRuntime } from '../../../src/runtime.ts';
import { textSink } from '../../support/in-process.ts';

export interface Captured {
  ctx: CliContext;
  stdout: () => string;
  stderr: () => string;
}

export function capture(
  cwd: string,
  globals: Partial<GlobalOptions> = {},
  isTTY = false,
  env: NodeJS.ProcessEnv = {},
): Captured {
  const out = textSink(isTTY);
  const err = textSink(isTTY);
  return {
    ctx: {
      globals: { config: './ferry.config.json', json: false, dryRun: false, verbose: false, ...globals },
      env,
      runtime: readRuntime(env),
      mutations: new MutationLog(),
      cwd,
      stdout: out.stream,
      stderr: err.stream,
      isTTY,
      signal: new AbortController().signal,
    },
    stdout: out.text,
    stderr: err.text,
  };
}
