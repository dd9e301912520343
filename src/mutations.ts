/**
 * What this process may have changed outside itself. When ferry crashes on an
 * error it did not expect, this decides what the last word can honestly say:
 * "nothing was changed" (exit 2) when no change was ever sent, or "the state
 * is unknown" (exit 3) when one may have been. A change counts from the moment
 * it is sent, whether or not it arrived: a request that timed out may still
 * have been carried out.
 */
export interface MutationRecorder {
  /** Notes a change about to be sent, e.g. "SSM PutParameter" or "image push". */
  record(change: string): void;
}

export class MutationLog implements MutationRecorder {
  readonly #changes: string[] = [];

  record(change: string): void {
    this.#changes.push(change);
  }

  /** True once any change may have been sent. */
  get mayHaveChanged(): boolean {
    return this.#changes.length > 0;
  }

  /** The changes in the order they were sent (repeats included). */
  get changes(): readonly string[] {
    return [...this.#changes];
  }
}
