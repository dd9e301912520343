/**
 * Running git and the image builders. Behind an interface so that unit tests
 * can record the commands and answer them without any of these tools.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Each complete output line as it arrives (the builders' progress). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** Kill the process after this long (a daemon check must not hang). */
  timeoutMs?: number;
}

export interface RunResult {
  /** The exit code; 127 when the program could not be started, 128+n when killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
  /** Set when the process was killed because it ran past `timeoutMs`. */
  timedOut?: boolean;
}

/** After the timeout's SIGTERM, how long a process gets before SIGKILL. */
const KILL_GRACE_MS = 10_000;

export interface ProcessRunner {
  run(command: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
  /** The program's path when it is an executable file on PATH. */
  which(command: string, env?: NodeJS.ProcessEnv): Promise<string | undefined>;
}

/** Keeps at most this much of each stream in the result: builders print a lot. */
const KEEP_CHARS = 64 * 1024;

export function nodeProcessRunner(): ProcessRunner {
  return {
    run: (command, args, options = {}) =>
      new Promise((resolve) => {
        const child = spawn(command, [...args], {
          cwd: options.cwd,
          env: options.env,
          stdio: ['ignore', 'pipe', 'pipe'],
          ...(options.signal ? { signal: options.signal } : {}),
        });
        let timedOut = false;
        let killer: NodeJS.Timeout | undefined;
        const timer = options.timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              child.kill('SIGTERM');
              killer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
            }, options.timeoutMs)
          : undefined;
        const out = { stdout: '', stderr: '' };
        const partial = { stdout: '', stderr: '' };
        const collect = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          out[stream] = (out[stream] + text).slice(-KEEP_CHARS);
          if (!options.onLine) return;
          const lines = (partial[stream] + text).split(/\r?\n|\r/);
          partial[stream] = lines.pop() ?? '';
          for (const line of lines) if (line.trim() !== '') options.onLine(line, stream);
        };
        child.stdout.on('data', collect('stdout'));
        child.stderr.on('data', collect('stderr'));
        let failedToStart: Error | undefined;
        child.on('error', (err) => {
          if (err.name !== 'AbortError') failedToStart = err;
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          clearTimeout(killer);
          for (const stream of ['stdout', 'stderr'] as const) {
            if (partial[stream].trim() !== '') options.onLine?.(partial[stream], stream);
          }
          // A program that never started still "closes", with a negative errno as its code.
          if (failedToStart && (code === null || code < 0)) {
            resolve({ code: 127, stdout: out.stdout, stderr: `${out.stderr}${failedToStart.message}` });
            return;
          }
          resolve({ code: code ?? 128 + signalNumber(signal), ...out, ...(timedOut ? { timedOut } : {}) });
        });
      }),
    which: async (command, env = {}) => {
      for (const dir of (env.PATH ?? '').split(delimiter)) {
        if (!dir) continue;
        const candidate = join(dir, command);
        try {
          await access(candidate, constants.X_OK);
          if ((await stat(candidate)).isFile()) return candidate;
        } catch {
          // not in this directory
        }
      }
      return undefined;
    },
  };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
  return (signal && numbers[signal]) ?? 1;
}
