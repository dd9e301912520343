import { createInterface } from 'node:readline/promises';
import { ExitCode, FerryError } from '../errors.ts';
import type { Ask } from '../init/gather.ts';
import type { CliContext } from './context.ts';

/**
 * `ferry init`'s questions on the terminal; undefined when there is no terminal to ask on.
 * Lines are queued as they arrive: answers typed (or pasted) ahead of their question are
 * kept, not dropped. Ctrl+C or Ctrl+D ends it with nothing written.
 */
export function terminalAsk(ctx: CliContext): { ask: Ask; close: () => void } | undefined {
  if (!process.stdin.isTTY || !ctx.isTTY) return undefined;
  const rl = createInterface({ input: process.stdin, output: ctx.stderr });
  const queued: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  let closed = false;
  const deliver = (line: string | undefined) => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.(line);
  };
  rl.on('line', (line) => (waiting ? deliver(line) : queued.push(line)));
  rl.on('SIGINT', () => rl.close());
  rl.on('close', () => {
    closed = true;
    deliver(undefined);
  });
  return {
    ask: async (question) => {
      rl.setPrompt(`${question}: `);
      rl.prompt();
      const line =
        queued.shift() ?? (closed ? undefined : await new Promise<string | undefined>((r) => (waiting = r)));
      if (line === undefined)
        throw new FerryError('init: cancelled; nothing was written', ExitCode.Interrupted);
      return line.trim();
    },
    close: () => rl.close(),
  };
}
