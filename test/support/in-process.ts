/**
 * Runs the CLI in this process through `main(io)`: the same option parsing, validation, output and
 * exit codes as bin/ferry, without starting Node for each case. For what is about the process
 * itself (the bin entry, the Node version check, signals, the installed package) spawn bin/ferry.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

type Io = Parameters<typeof main>[0];

/** A writable stream that keeps what is written, as text; `isTTY` as a terminal would report it. */
export function textSink(isTTY = false): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: Object.assign(stream, { isTTY }), text: () => text };
}

export interface InProcessOptions {
  cwd: string;
  /** Added to a minimal environment (PATH, HOME, TMPDIR); nothing else of this process's env is passed. */
  env?: Record<string, string | undefined>;
  /** Whether stdout and stderr claim to be a terminal. @default false */
  isTTY?: boolean;
  signal?: AbortSignal;
  /** Point GITHUB_STEP_SUMMARY at a fresh file and return its text as `summary` (GITHUB_ACTIONS must be 'true' for ferry to write it). */
  jobSummary?: boolean;
}

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The job summary ferry wrote ('' when none), with `jobSummary: true`. */
  summary?: string;
  /** stdout as NDJSON, one object per non-empty line. */
  jsonLines(): Record<string, unknown>[];
}

/** The environment a run starts from: enough to find programs and a home, and no more. */
export function minimalEnv(home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
  };
}

/** `ferry <args>` run through main(io) in this process. HOME is `cwd`, as for the spawned runs. */
export async function runMain(args: string[], options: InProcessOptions): Promise<InProcessRun> {
  const out = textSink(options.isTTY);
  const err = textSink(options.isTTY);
  const summaryDir = options.jobSummary ? mkdtempSync(join(tmpdir(), 'ferry-summary-')) : undefined;
  const summaryPath = summaryDir ? join(summaryDir, 'summary.md') : undefined;
  const env: NodeJS.ProcessEnv = {
    ...minimalEnv(options.cwd),
    ...(summaryPath ? { GITHUB_STEP_SUMMARY: summaryPath } : {}),
    ...options.env,
  };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  try {
    const code = await main({
      argv: args,
      env,
      cwd: options.cwd,
      // main only writes to them and reads isTTY; a Writable is all a non-terminal stream is.
      stdout: out.stream as unknown as Io['stdout'],
      stderr: err.stream as unknown as Io['stderr'],
      signal: options.signal ?? new AbortController().signal,
    });
    const stdout = out.text();
    return {
      code,
      stdout,
      stderr: err.text(),
      ...(summaryPath ? { summary: readIfThere(summaryPath) } : {}),
      jsonLines: () => parseJsonLines(stdout),
    };
  } finally {
    if (summaryDir) rmSync(summaryDir, { recursive: true, force: true });
  }
}

export function parseJsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
