import type { Emit, FerryEvent } from '../../pipeline/events.ts';
import type { Runtime } from '../../runtime.ts';
import { GitHubLog, neutralize } from './github.ts';
import { JsonSink } from './json.ts';
import { makeColors, type OutputMode } from './mode.ts';
import { PlainSink } from './plain.ts';
import { flush, type Sink } from './sink.ts';
import { StepBoard } from './steps.ts';
import { TaskLogCollector, writeJobSummary } from './summary.ts';
import { TtySink } from './tty.ts';

export { formatDuration } from '../../config/duration.ts';
export { chooseMode, type OutputMode } from './mode.ts';
export { renderTable, type TableOptions } from './table.ts';
export { stripAnsi, visibleWidth } from './text.ts';

export interface Reporter {
  emit: Emit;
  /** Flushes everything and, in GitHub Actions, appends the job summary. Never throws; safe to call twice. */
  close(): Promise<void>;
}

export interface ReporterOptions {
  mode: OutputMode;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** GitHub Actions (groups, annotations, the job summary file) and the terminal's colour. */
  runtime: Runtime;
  /** What runs, e.g. "deploy shop staging 1a2b3c4". */
  title: string;
  verbose: boolean;
  now?: () => Date;
  /** Colour in tty mode; default the runtime's (NO_COLOR / FORCE_COLOR / TERM). Plain and json output never has colour. */
  color?: boolean;
  /** More sinks after the renderers (GitHub deployments, notifications): they see every event; close() awaits them. */
  sinks?: Sink[];
}

/**
 * Turns pipeline events into output. json: NDJSON on stdout, plain lines on
 * stderr. plain: timestamped lines on stderr. tty: a live view on stderr. In
 * GitHub Actions, plain and json logs get groups and annotations, and close()
 * writes the job summary.
 */
export function createReporter(opts: ReporterOptions): Reporter {
  const now = opts.now ?? (() => new Date());
  const github = opts.runtime.githubActions;
  const plain = () =>
    new PlainSink({
      out: opts.stderr,
      now,
      verbose: opts.verbose,
      title: opts.title,
      ...(github ? { github: new GitHubLog(opts.title) } : {}),
    });
  const sinks: Sink[] =
    opts.mode === 'json'
      ? [new JsonSink({ out: opts.stdout, now }), plain()]
      : opts.mode === 'plain'
        ? [plain()]
        : [
            new TtySink({
              out: opts.stderr,
              now,
              verbose: opts.verbose,
              title: opts.title,
              colors: makeColors(opts.color ?? opts.runtime.color),
            }),
          ];
  sinks.push(...(opts.sinks ?? []));

  const board = new StepBoard();
  const taskLogs = new TaskLogCollector();
  let result: Extract<FerryEvent, { type: 'result' }> | undefined;
  let warned = false;
  const complain = (what: string, err: unknown) => {
    if (warned) return;
    warned = true;
    const message = err instanceof Error ? err.message : String(err);
    try {
      opts.stderr.write(`${neutralize(`ferry: could not ${what}: ${message}`)}\n`);
    } catch {
      // stderr itself is gone; nothing left to tell.
    }
  };

  const emit: Emit = (event) => {
    if (event.type === 'step') board.record(event, now().getTime());
    if (event.type === 'result') result = event;
    if (event.type === 'task_log' && github) taskLogs.add(event);
    for (const sink of sinks) {
      // Output must never break a release half-way (with the lock held): report and go on.
      try {
        sink.emit(event);
      } catch (err) {
        complain('write progress', err);
      }
    }
  };

  let closing: Promise<void> | undefined;
  const close = async () => {
    for (const sink of sinks) {
      try {
        await sink.close();
      } catch (err) {
        complain('finish the output', err);
      }
    }
    const path = opts.runtime.github.stepSummary;
    if (github && path) {
      try {
        await writeJobSummary(path, {
          title: opts.title,
          steps: board.rows,
          result,
          now: now().getTime(),
          taskLogs: taskLogs.excerpts,
        });
      } catch (err) {
        complain('write the GitHub job summary', err);
      }
    }
    await Promise.all([flush(opts.stdout), flush(opts.stderr)]);
  };
  return {
    emit,
    close: () => {
      closing ??= close();
      return closing;
    },
  };
}
