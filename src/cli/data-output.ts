import { ExitCode } from '../errors.ts';
import type { CliContext } from './context.ts';

/**
 * Output of the read-only commands (status, history, lock): with --json, one
 * `{type, ts, ...}` line per record and a final `result` line; otherwise text on stdout.
 */
export class DataOutput {
  readonly #ctx: CliContext;
  constructor(ctx: CliContext) {
    this.#ctx = ctx;
  }
  get json(): boolean {
    return this.#ctx.globals.json;
  }
  data(type: string, fields: Record<string, unknown>): void {
    if (this.json) this.#line(type, fields);
  }
  text(text: string): void {
    if (this.json) this.#ctx.stderr.write(`${text}\n`);
    else this.#ctx.stdout.write(`${text}\n`);
  }
  result(fields: Record<string, unknown> = {}): void {
    if (this.json) this.#line('result', { outcome: 'ok', exitCode: ExitCode.Ok, ...fields });
  }
  #line(type: string, fields: Record<string, unknown>): void {
    this.#ctx.stdout.write(`${JSON.stringify({ type, ts: new Date().toISOString(), ...fields })}\n`);
  }
}
