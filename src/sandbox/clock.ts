/**
 * Simulated time: starts at the real time and runs `scale` times faster.
 * Changing the scale keeps simulated time continuous.
 */
export class ScaledClock {
  #scale: number;
  #realAnchor: number;
  #simAnchor: number;
  readonly #realNow: () => number;

  constructor(scale = 1, realNow: () => number = Date.now) {
    if (!(scale > 0)) throw new Error(`time scale must be a positive number, got ${scale}`);
    this.#realNow = realNow;
    this.#scale = scale;
    this.#realAnchor = realNow();
    this.#simAnchor = this.#realAnchor;
  }

  /** Simulated epoch milliseconds. */
  now(): number {
    return this.#simAnchor + (this.#realNow() - this.#realAnchor) * this.#scale;
  }

  get scale(): number {
    return this.#scale;
  }

  setScale(scale: number): void {
    if (!(scale > 0)) throw new Error(`time scale must be a positive number, got ${scale}`);
    this.#simAnchor = this.now();
    this.#realAnchor = this.#realNow();
    this.#scale = scale;
  }

  /** Real milliseconds until `simulatedMs` of simulated time have passed. */
  realDelay(simulatedMs: number): number {
    return simulatedMs / this.#scale;
  }
}
