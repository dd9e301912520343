import type { MutationLog } from '../mutations.ts';
import type { Runtime } from '../runtime.ts';

/** Options every command accepts (docs/architecture.md, the CLI contract). Raw strings are parsed by the command that needs them. */
export interface GlobalOptions {
  config: string;
  app?: string;
  region?: string;
  roleArn?: string;
  descriptor?: string;
  json: boolean;
  dryRun: boolean;
  pollInterval?: string;
  timeout?: string;
  verbose: boolean;
}

/** Everything a command may take from the outside world; passed in, never reached for. */
export interface CliContext {
  globals: GlobalOptions;
  /** The whole environment: for child processes, the AWS SDK and variables the config names. */
  env: NodeJS.ProcessEnv;
  /** Where ferry runs (GitHub Actions, its run, the terminal), read once from `env`. */
  runtime: Runtime;
  /** Every change this process may have sent, so a crash can say whether anything changed. */
  mutations: MutationLog;
  cwd: string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Whether stderr is a terminal (live step list) or not (timestamped plain lines). */
  isTTY: boolean;
  /** Aborted on SIGINT/SIGTERM: long work stops, releases its lock and reports. */
  signal: AbortSignal;
}

/** What each `src/cli/commands/<name>.ts` exports: run the command, return the exit code. */
export type CommandRun<A> = (args: A, ctx: CliContext) => Promise<number>;
