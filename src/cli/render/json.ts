import type { FerryEvent } from '../../pipeline/events.ts';
import type { Sink } from './sink.ts';

/**
 * One NDJSON line: `type` and `ts` first, then the event's own fields. `#` is
 * written as `\u0023` (the same string to any JSON parser) so that a message
 * carrying the runner's legacy `##[command]` prefix cannot become a GitHub
 * workflow command when stdout is a job log.
 */
export function jsonLine(event: FerryEvent, ts: Date): string {
  const { type, ...rest } = event;
  return JSON.stringify({ type, ts: ts.toISOString(), ...rest }).replace(/##\[/g, '\\u0023#[');
}

/** stdout under --json: every event is exactly one line, `result` is the last, and nothing else is ever written. */
export class JsonSink implements Sink {
  private readonly out: NodeJS.WritableStream;
  private readonly now: () => Date;
  private finished = false;

  constructor(opts: { out: NodeJS.WritableStream; now: () => Date }) {
    this.out = opts.out;
    this.now = opts.now;
  }

  emit(event: FerryEvent): void {
    if (this.finished) return;
    if (event.type === 'result') this.finished = true;
    this.out.write(`${jsonLine(event, this.now())}\n`);
  }

  close(): void {}
}
