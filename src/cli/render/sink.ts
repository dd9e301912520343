import type { FerryEvent } from '../../pipeline/events.ts';

/** One destination for events (a JSON stream, a log, a terminal); the reporter fans events out to several. */
export interface Sink {
  emit(event: FerryEvent): void;
  close(): Promise<void> | void;
}

/** Resolves once everything written so far has been handed to the stream's destination. */
export function flush(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    try {
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}
