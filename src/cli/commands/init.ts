import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { ExitCode, FerryError, usageError } from '../../errors.ts';
import { checklist, SCAFFOLD_PATHS, scaffoldFiles } from '../../init/files.ts';
import { INIT_FIELDS, type InitField, type InitValues } from '../../init/values.ts';
import type { CliContext } from '../context.ts';
import { DataOutput } from '../data-output.ts';

export interface InitOptions {
  stagingAccount?: string;
  productionAccount?: string;
  githubRepo?: string;
  githubOwnerId?: string;
  githubRepositoryId?: string;
  force?: boolean;
}

/** Asks one question on a terminal; undefined when there is no terminal to ask on. */
export type Ask = (question: string) => Promise<string>;

export interface InitDeps {
  ask?: Ask | undefined;
}

/**
 * Questions on the terminal. Lines are queued as they arrive: answers typed (or pasted) ahead
 * of their question are kept, not dropped. Ctrl+C or Ctrl+D ends it with nothing written.
 */
function terminalAsk(ctx: CliContext): { ask: Ask; close: () => void } | undefined {
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

async function askFor(field: InitField, ask: Ask, ctx: CliContext): Promise<string | undefined> {
  for (;;) {
    const answer = await ask(field.question);
    if (answer === '' && !field.required) return undefined;
    const problem = answer === '' ? 'a value is required' : field.problem(answer);
    if (!problem) return answer;
    ctx.stderr.write(`${field.flag}: ${problem}\n`);
  }
}

/** Flags first; what is missing is asked on a terminal, or named in one error without one. */
async function gatherValues(
  options: InitOptions,
  ctx: CliContext,
  ask: Ask | undefined,
): Promise<InitValues> {
  const given: Record<keyof InitValues, string | undefined> = {
    app: ctx.globals.app,
    region: ctx.globals.region,
    stagingAccount: options.stagingAccount,
    productionAccount: options.productionAccount,
    githubRepo: options.githubRepo,
    githubOwnerId: options.githubOwnerId,
    githubRepositoryId: options.githubRepositoryId,
  };
  const problems = INIT_FIELDS.flatMap((f) => {
    const value = given[f.key];
    const problem = value === undefined ? undefined : f.problem(value);
    return problem ? [`${f.flag} "${value}": ${problem}`] : [];
  });
  if (problems.length > 0) throw usageError(`init: ${problems.join('; ')}`);
  const missing = INIT_FIELDS.filter((f) => f.required && given[f.key] === undefined);
  if (missing.length > 0 && !ask) {
    throw usageError(
      `init: missing ${missing.map((f) => f.flag).join(', ')}; pass ${missing.length > 1 ? 'them' : 'it'}, or run \`ferry init\` on a terminal to be asked`,
      'see `ferry init --help`',
    );
  }
  const values: Record<string, string | undefined> = { ...given };
  if (ask) {
    const unasked = INIT_FIELDS.filter((f) => given[f.key] === undefined);
    for (const field of unasked) values[field.key] = await askFor(field, ask, ctx);
  }
  return Object.fromEntries(
    INIT_FIELDS.flatMap((f) => (values[f.key] === undefined ? [] : [[f.key, values[f.key]]])),
  ) as unknown as InitValues;
}

/**
 * `ferry init`: writes ferry.config.json, infra/ (a Pulumi project on ferry/stacks) and the
 * deploy and preview workflows into the current directory, then prints what is left to do.
 * Writes nothing when any of those files exists, unless --force.
 */
export async function run(options: InitOptions, ctx: CliContext, deps: InitDeps = {}): Promise<number> {
  // Before any question: finding out after answering them that nothing can be written is a waste.
  const existing: string[] = SCAFFOLD_PATHS.filter((path) => existsSync(join(ctx.cwd, path)));
  if (existing.length > 0 && !options.force) {
    throw usageError(
      `init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`,
      'move them away, or pass --force to overwrite them',
    );
  }
  const terminal = 'ask' in deps ? undefined : terminalAsk(ctx);
  let values: InitValues;
  try {
    values = await gatherValues(options, ctx, 'ask' in deps ? deps.ask : terminal?.ask);
  } finally {
    terminal?.close();
  }
  const files = scaffoldFiles(values);
  const out = new DataOutput(ctx);
  for (const file of files) {
    if (!ctx.globals.dryRun) {
      ctx.mutations.record(`write ${file.path}`);
      await mkdir(dirname(join(ctx.cwd, file.path)), { recursive: true });
      await writeFile(join(ctx.cwd, file.path), file.content);
    }
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
