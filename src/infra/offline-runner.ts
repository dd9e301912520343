// One offline program run per process: `node offline-runner.ts <stacksDir> <stack>` prints the
// snapshot as JSON; spawned with an IPC channel (offline.ts), it takes the request and answers there.
import * as nodeModule from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The program (from the working tree or a temporary copy of another ref) must load
// the very @pulumi/* modules this runner set the mocks on: one runtime, one state.
// (Node before 22.15 has no registerHooks: there the program resolves its own copy,
// which works for a program inside this repository.)
// A copy of another ref lives in a temporary directory with no node_modules: the packages it
// imports (such as `ferry/stacks`) resolve from the working tree's project instead.
let resolveFromURL: string | undefined;
const isBare = (specifier: string) => !/^(\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier);
nodeModule.registerHooks?.({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith('@pulumi/'))
      return nextResolve(specifier, { ...context, parentURL: import.meta.url });
    if (!resolveFromURL || !isBare(specifier)) return nextResolve(specifier, context);
    try {
      return nextResolve(specifier, context);
    } catch {
      return nextResolve(specifier, { ...context, parentURL: resolveFromURL });
    }
  },
});

const { randomBytes } = await import('node:crypto');
const { runProgram, ProgramError, programError } = await import('./program-run.ts');
type Request = import('./program-run.ts').RunRequest;

export type RunnerReply =
  | { ok: true; snapshot: import('./model.ts').StackSnapshot }
  | { ok: false; error: string; detail?: string; program: boolean };

function failure(err: unknown): RunnerReply {
  const error = err instanceof Error ? err.message : String(err);
  // Errors thrown by the stack program itself are the user's to fix, like a bad stack file.
  const program =
    err instanceof ProgramError || !(err instanceof Error && /\/src\/infra\//.test(err.stack ?? ''));
  return { ok: false, error, program, ...(err instanceof Error && err.stack ? { detail: err.stack } : {}) };
}

async function answer(request: Request): Promise<RunnerReply> {
  try {
    return { ok: true, snapshot: await runProgram(request) };
  } catch (err) {
    return failure(err);
  }
}

function finish(reply: RunnerReply): void {
  if (process.send) {
    process.send(reply, () => process.exit(reply.ok ? 0 : 1));
  } else {
    process.stdout.write(`${JSON.stringify(reply.ok ? reply.snapshot : reply, null, 2)}\n`, () =>
      process.exit(reply.ok ? 0 : 1),
    );
  }
}

let done = false;
const once = (reply: RunnerReply) => {
  if (done) return;
  done = true;
  finish(reply);
};
// A failing `apply` in the program surfaces as an unhandled rejection, not as a rejected run.
let programDir = '';
process.on('unhandledRejection', (err) => once(failure(programError(err, programDir))));
process.on('uncaughtException', (err) => once(failure(programError(err, programDir))));

if (process.send) {
  process.once('message', (request: Request) => {
    programDir = request.stacksDir;
    if (request.resolveFrom) resolveFromURL = pathToFileURL(join(request.resolveFrom, 'index.js')).href;
    void answer(request).then(once);
  });
} else {
  const [stacksDir, stack] = process.argv.slice(2);
  if (!stacksDir || !stack) {
    process.stderr.write('usage: node offline-runner.ts <stacksDir> <stack>\n');
    process.exit(2);
  }
  programDir = stacksDir;
  void answer({ stacksDir, stack, key: randomBytes(32).toString('hex') }).then(once);
}
