import type { FerryEvent } from '../../pipeline/events.ts';
import type { Sink } from '../render/sink.ts';

const FULL_SHA = /^[0-9a-f]{40}$/;

/**
 * Announcers name the release by its full SHA, which a rollback, a promotion or
 * a short `--sha` learns only from the pipeline's read. This sink holds events
 * until the plan (or a result) names the SHA, then opens the announcers and
 * replays what came before. A run refused before that is not announced.
 */
export class DeferredSinks implements Sink {
  readonly #open: (sha: string) => Sink[];
  #held: FerryEvent[] = [];
  #sinks: Sink[] | undefined;

  constructor(open: (sha: string) => Sink[]) {
    this.#open = open;
  }

  emit(event: FerryEvent): void {
    if (!this.#sinks) {
      const sha =
        event.type === 'plan'
          ? event.sha
          : event.type === 'result' && FULL_SHA.test(event.sha ?? '')
            ? event.sha
            : undefined;
      if (!sha) {
        this.#held.push(event);
        return;
      }
      this.#sinks = this.#open(sha);
      for (const held of this.#held) for (const sink of this.#sinks) sink.emit(held);
      this.#held = [];
    }
    for (const sink of this.#sinks) sink.emit(event);
  }

  async close(): Promise<void> {
    await Promise.all((this.#sinks ?? []).map((sink) => sink.close()));
  }
}
