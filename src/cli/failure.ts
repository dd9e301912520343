import { ExitCode, isFerryError } from '../errors.ts';

/** What the catch-all knows of an error it did not expect: the result it stands for. */
export interface UnexpectedErrorResult {
  outcome: 'aborted' | 'failed';
  exitCode: ExitCode;
  /** What the person reads first: whether anything may have changed, and what to do. */
  verdict: string;
}

/**
 * An unexpected error changed nothing when no change was ever sent (exit 2, as
 * for bad input); once one may have been sent, nobody knows what state the
 * environment is in, and a person has to look (exit 3).
 */
export function unexpectedErrorResult(changes: { mayHaveChanged: boolean }): UnexpectedErrorResult {
  return changes.mayHaveChanged
    ? {
        outcome: 'failed',
        exitCode: ExitCode.NeedsPerson,
        verdict: "the environment's state is unknown: run `ferry status`",
      }
    : { outcome: 'aborted', exitCode: ExitCode.Usage, verdict: 'nothing was changed' };
}

/**
 * The last word on an error that escaped a command: a FerryError is the user's
 * to fix (one line and hints, no stack); anything else is ferry's bug, and what
 * it may have left behind depends on whether a change was sent. Returns the
 * exit code.
 */
export function printFailure(
  err: unknown,
  out: {
    stdout: NodeJS.WritableStream;
    stderr: NodeJS.WritableStream;
    json: boolean;
    mutations: { mayHaveChanged: boolean };
  },
): ExitCode {
  if (isFerryError(err)) {
    out.stderr.write(`ferry: ${err.message}\n`);
    for (const hint of err.hints) out.stderr.write(`  ${hint}\n`);
    if (out.json) {
      const result = {
        type: 'result',
        ts: new Date().toISOString(),
        outcome: 'aborted',
        exitCode: err.exitCode,
        reason: err.message,
      };
      out.stdout.write(`${JSON.stringify(result)}\n`);
    }
    return err.exitCode;
  }
  const known = unexpectedErrorResult(out.mutations);
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.stderr.write(
    `ferry: unexpected error; ${known.verdict}.\n${detail}\nThis is ferry's bug: please report it with the output above.\n`,
  );
  if (out.json) {
    const result = {
      type: 'result',
      ts: new Date().toISOString(),
      outcome: known.outcome,
      exitCode: known.exitCode,
      reason: `unexpected error (${known.verdict}): ${String(err)}`,
    };
    out.stdout.write(`${JSON.stringify(result)}\n`);
  }
  return known.exitCode;
}
