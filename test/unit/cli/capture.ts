// A CliContext whose stdout and stderr are strings, for running command modules in-process.
import { Writable } from 'node:stream';
import type { CliContext, GlobalOptions } from '../../../src/cli/context.ts';
import { MutationLog } from '../../../src/mutations.ts';
import { readRuntime } from '../../../src/runtime.ts';

export interface Captured {
  ctx: CliContext;
  stdout: () => string;
  stderr: () => string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

export function capture(
  cwd: string,
  globals: Partial<GlobalOptions> = {},
  isTTY = false,
  env: NodeJS.ProcessEnv = {},
): Captured {
  const out = sink();
  const err = sink();
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
