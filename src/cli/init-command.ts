/**
 * `ferry init`'s run: refuse to overwrite, gather the values (flags, then the
 * terminal), write the scaffold of src/init and print what is left to do.
 */
import { ExitCode } from '../errors.ts';
import { checklist, scaffoldFiles } from '../init/files.ts';
import { type Ask, type GivenValues, gatherInitValues } from '../init/gather.ts';
import { existingScaffold, writeScaffoldFile } from '../init/scaffold.ts';
import type { InitValues } from '../init/values.ts';
import type { CliContext } from './context.ts';
import { DataOutput } from './data-output.ts';
import { terminalAsk } from './terminal-ask.ts';

/** What `ferry init`'s options say. */
export interface InitAsk {
  given: GivenValues;
  force: boolean;
}

/** `ask` present (even undefined) replaces the terminal: undefined means there is none to ask on. */
export interface InitDeps {
  ask?: Ask | undefined;
}

export async function runInit(ctx: CliContext, request: InitAsk, deps: InitDeps): Promise<number> {
  const existing = existingScaffold(ctx.cwd, request.force);
  const terminal = 'ask' in deps ? undefined : terminalAsk(ctx);
  let values: InitValues;
  try {
    values = await gatherInitValues(request.given, 'ask' in deps ? deps.ask : terminal?.ask, (line) =>
      ctx.stderr.write(`${line}\n`),
    );
  } finally {
    terminal?.close();
  }
  const files = scaffoldFiles(values);
  const out = new DataOutput(ctx);
  for (const file of files) {
    if (!ctx.globals.dryRun) await writeScaffoldFile(ctx.cwd, file, ctx.mutations);
    out.data('file', { path: file.path, overwritten: existing.includes(file.path) });
    out.text(`${ctx.globals.dryRun ? 'would write' : 'wrote'} ${file.path}`);
  }
  out.text(ctx.globals.dryRun ? '\ndry run: nothing was written. Then:' : '\nWhat is left:');
  for (const line of checklist(
    values,
    files.map((f) => f.path),
  ))
    out.text(line);
  out.result({ files: files.map((f) => f.path) });
  return ExitCode.Ok;
}
