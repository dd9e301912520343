import type { Emit, StepName } from './events.ts';
import type { PollContext } from './poll.ts';
import type { Clock, CodeHistory, ImageCopier, Ports, SourceEnvironment } from './ports.ts';

/** What every step receives: the ports, time, where to report, and the run's abort signal. */
export interface Deps {
  ports: Ports;
  clock: Clock;
  emit: Emit;
  signal: AbortSignal;
  /** The fixed poll interval (default 5 s, `--poll-interval`). */
  pollIntervalMs: number;
  /** Promotion only: the source environment and the adapter that copies its image into this one. */
  source?: SourceEnvironment;
  copier?: ImageCopier;
  /** The app's git history; without it, migrations are not checked and no commit time is recorded. */
  history?: CodeHistory;
}

export const pollContext = (deps: Deps): PollContext => ({
  clock: deps.clock,
  signal: deps.signal,
  intervalMs: deps.pollIntervalMs,
});

export const info = (deps: Deps, message: string) => deps.emit({ type: 'log', level: 'info', message });
export const warn = (deps: Deps, message: string) => deps.emit({ type: 'log', level: 'warn', message });
export const debug = (deps: Deps, message: string) => deps.emit({ type: 'log', level: 'debug', message });

/** Emits step start/done/failed/skipped with elapsed times and keeps the timings for the ledger. */
export class StepTimer {
  readonly timings: { name: StepName; ms: number }[] = [];
  readonly #deps: Deps;

  constructor(deps: Deps) {
    this.#deps = deps;
  }

  start(step: StepName) {
    const started = this.#deps.clock.now().getTime();
    this.#deps.emit({ type: 'step', step, status: 'start', elapsedMs: 0 });
    const end = (status: 'done' | 'failed' | 'skipped', detail?: string) => {
      const elapsedMs = this.#deps.clock.now().getTime() - started;
      this.timings.push({ name: step, ms: elapsedMs });
      this.#deps.emit({ type: 'step', step, status, elapsedMs, ...(detail ? { detail } : {}) });
    };
    return {
      done: (detail?: string) => end('done', detail),
      failed: (detail?: string) => end('failed', detail),
      skipped: (detail?: string) => end('skipped', detail),
    };
  }

  /** A step that either returns or throws; a throw marks it failed and passes through. */
  async run<T>(step: StepName, fn: () => Promise<T>, detail?: (value: T) => string | undefined): Promise<T> {
    const handle = this.start(step);
    try {
      const value = await fn();
      handle.done(detail?.(value));
      return value;
    } catch (err) {
      handle.failed(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  skip(step: StepName, why: string): void {
    this.#deps.emit({ type: 'step', step, status: 'skipped', elapsedMs: 0, detail: why });
    this.timings.push({ name: step, ms: 0 });
  }
}
