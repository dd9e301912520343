import type { ProcessRunner, RunOptions, RunResult } from '../../../src/build/process.ts';

export interface RecordedCall {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
}

type Handler = (call: RecordedCall, options: RunOptions) => Partial<RunResult> | Promise<Partial<RunResult>>;

/** A ProcessRunner that records every command and answers from `handler` (exit 0, no output by default). */
export class FakeRunner implements ProcessRunner {
  readonly calls: RecordedCall[] = [];
  readonly onPath: Set<string>;
  handler: Handler;

  constructor(onPath: string[] = [], handler: Handler = () => ({})) {
    this.onPath = new Set(onPath);
    this.handler = handler;
  }

  async run(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
    const call: RecordedCall = {
      command,
      args: [...args],
      env: { ...options.env },
      ...(options.cwd ? { cwd: options.cwd } : {}),
    };
    this.calls.push(call);
    const res = await this.handler(call, options);
    return { code: res.code ?? 0, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
  }

  async which(command: string): Promise<string | undefined> {
    return this.onPath.has(command) ? `/usr/bin/${command}` : undefined;
  }

  /** Every argv element of every call, joined, for "never on a command line" checks. */
  get argv(): string {
    return this.calls.map((c) => [c.command, ...c.args].join(' ')).join('\n');
  }
}
