import type { FerryEvent, StepName } from '../../pipeline/events.ts';

export type StepState = 'running' | 'done' | 'failed' | 'skipped';

export interface StepRow {
  name: StepName;
  state: StepState;
  /** Clock time the step started (for a running step's live elapsed time). */
  startedAt: number;
  /** Reported by the pipeline when the step ended. */
  elapsedMs?: number;
  detail?: string;
}

/** The steps of a run in the order they started, with their latest status: the live list and the job summary. */
export class StepBoard {
  readonly rows: StepRow[] = [];

  record(event: Extract<FerryEvent, { type: 'step' }>, now: number): StepRow {
    // A step may run twice (a rollback's own watch and verify): the latest run is the one that counts.
    let row = this.rows.findLast((r) => r.name === event.step);
    if (!row || (event.status === 'start' && row.state !== 'running')) {
      row = {
        name: event.step,
        state: 'running',
        startedAt: now - (event.status === 'start' ? event.elapsedMs : 0),
      };
      this.rows.push(row);
    }
    if (event.status !== 'start') {
      row.state = event.status;
      row.elapsedMs = event.elapsedMs;
    }
    if (event.detail !== undefined) row.detail = event.detail;
    return row;
  }

  elapsed(row: StepRow, now: number): number {
    return row.elapsedMs ?? Math.max(0, now - row.startedAt);
  }

  get running(): boolean {
    return this.rows.some((row) => row.state === 'running');
  }
}
