import { isFerryError } from '../errors.ts';

/**
 * The last word on an error that escaped a command: a FerryError is the user's
 * to fix (one line and hints, no stack); anything else is ferry's bug.
 */
export function printFailure(
  err: unknown,
  out: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; json: boolean },
): void {
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
    return;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  out.stderr.write(
    `ferry: unexpected error; the environment's state is unknown: run \`ferry status\`.\n${detail}\nPlease report this with the output above.\n`,
  );
  if (out.json) {
    const result = {
      type: 'result',
      ts: new Date().toISOString(),
      outcome: 'failed',
      exitCode: 3,
      reason: String(err),
    };
    out.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
