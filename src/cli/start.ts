import { ExitCode } from '../errors.ts';
import { main } from './main.ts';

/**
 * After a second signal, how long the cleanup the first one started may still
 * take. GitHub sends SIGINT, SIGTERM 7.5 s later, then SIGKILL 2.5 s after that:
 * this fits in the last gap.
 */
export const SECOND_SIGNAL_GRACE_MS = 2_000;

/**
 * Wires the real process into the CLI: argv, streams and signals. The first
 * SIGINT/SIGTERM asks the running command to stop cleanly (stop its migration
 * task, record the run, release its lock, print the state, exit 130). A second
 * one does not abandon that cleanup: it gets SECOND_SIGNAL_GRACE_MS more to
 * finish, then ferry exits whatever the state (a lock left behind expires).
 */
export async function startCli(): Promise<number> {
  const controller = new AbortController();
  let deadline: NodeJS.Timeout | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!controller.signal.aborted) {
      process.stderr.write(`ferry: ${signal}: stopping cleanly; the lock is released once nothing runs\n`);
      controller.abort(signal);
      return;
    }
    if (deadline) return;
    process.stderr.write(
      `ferry: ${signal} again: finishing the cleanup (at most ${SECOND_SIGNAL_GRACE_MS / 1000}s), then exiting\n`,
    );
    deadline = setTimeout(() => {
      process.stderr.write(
        'ferry: the cleanup did not finish in time; exiting now, keeping the lock if it was not released yet (it expires by itself; see `ferry lock status`)\n',
      );
      process.exit(ExitCode.Interrupted);
    }, SECOND_SIGNAL_GRACE_MS);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const code = await main({
    argv: process.argv.slice(2),
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    signal: controller.signal,
  });
  if (deadline) clearTimeout(deadline);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
