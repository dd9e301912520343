import { ExitCode } from '../errors.ts';
import { main } from './main.ts';

/**
 * Wires the real process into the CLI: argv, streams and signals. The first
 * SIGINT/SIGTERM asks the running command to stop cleanly (release its lock,
 * print state, exit 130); a second one exits at once.
 */
export async function startCli(): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`ferry: second ${signal}, exiting now; check \`ferry lock status\`\n`);
      process.exit(ExitCode.Interrupted);
    }
    controller.abort(signal);
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
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  return code;
}
