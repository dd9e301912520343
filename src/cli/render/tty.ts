import { formatDuration } from '../../config/duration.ts';
import { ExitCode } from '../../errors.ts';
import type { FerryEvent } from '../../pipeline/events.ts';
import { describeHealth, describeTaskStopped, pinned, resultLines, taskIdOf } from './describe.ts';
import type { Colors } from './mode.ts';
import { compactServiceEvent, shortTaskIds, wrapWords } from './shorten.ts';
import type { Sink } from './sink.ts';
import { StepBoard, type StepRow } from './steps.ts';
import { renderTable } from './table.ts';
import { highlightFailures, sanitize, truncate, visibleWidth } from './text.ts';

type Of<T extends FerryEvent['type']> = Extract<FerryEvent, { type: T }>;

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CURSOR_UP = (n: number) => `\r\x1b[${n}A`;
const CLEAR_BELOW = '\x1b[J';

export interface TtyOptions {
  out: NodeJS.WritableStream;
  now: () => Date;
  verbose: boolean;
  title: string;
  colors: Colors;
  /** Least time between two redraws; also the spinner's tick. Default 100 ms. */
  redrawMs?: number;
}

/**
 * The live view on a terminal. Lines that happened (service events, logs,
 * health probes) scroll above a live block (the step list and the deployment
 * table) that is redrawn in place, at most once per `redrawMs`.
 */
export class TtySink implements Sink {
  private readonly out: NodeJS.WritableStream & { columns?: number; rows?: number };
  private readonly now: () => Date;
  private readonly verbose: boolean;
  private readonly c: Colors;
  private readonly redrawMs: number;
  private readonly board = new StepBoard();
  private readonly progress = new Map<string, Of<'progress'>>();
  private pending: string[];
  private liveHeight = 0;
  private frame = 0;
  private dirty = false;
  private finished = false;
  private throttle: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(opts: TtyOptions) {
    this.out = opts.out;
    this.now = opts.now;
    this.verbose = opts.verbose;
    this.c = opts.colors;
    this.redrawMs = opts.redrawMs ?? 100;
    this.pending = [this.c.bold(`ferry ${sanitize(opts.title).replace(/\n/g, ' ')}`)];
  }

  emit(event: FerryEvent): void {
    if (event.type === 'step') this.board.record(event, this.now().getTime());
    else if (event.type === 'progress') this.progress.set(event.service, event);
    else this.pending.push(...this.linesFor(event));

    if (this.finished) {
      this.writePending();
    } else if (event.type === 'result') {
      this.finish(event);
    } else {
      this.startTicker();
      this.schedule();
    }
  }

  close(): void {
    if (!this.finished) this.finish(undefined);
  }

  private schedule(): void {
    this.dirty = true;
    if (this.throttle) return;
    this.draw();
    this.throttle = setTimeout(() => {
      this.throttle = undefined;
      if (this.dirty && !this.finished) this.schedule();
    }, this.redrawMs);
    this.throttle.unref?.();
  }

  private startTicker(): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => {
      if (this.board.running) this.schedule();
    }, this.redrawMs);
    this.ticker.unref?.();
  }

  private finish(result: Of<'result'> | undefined): void {
    this.finished = true;
    clearTimeout(this.throttle);
    clearInterval(this.ticker);
    this.draw(true);
    this.liveHeight = 0;
    if (result) this.pending.push('', ...this.summary(result));
    this.writePending();
  }

  /** The final frame stays on screen as the record of the run, so it is drawn whole. */
  private draw(final = false): void {
    this.dirty = false;
    this.frame++;
    let out = this.liveHeight > 0 ? CURSOR_UP(this.liveHeight) + CLEAR_BELOW : '';
    for (const line of this.pending.splice(0)) out += `${line}\n`;
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    const lines = this.liveLines();
    const live = (final ? lines : this.fit(lines)).map((line) => truncate(line, width));
    for (const line of live) out += `${line}\n`;
    this.liveHeight = live.length;
    if (out) this.out.write(out);
  }

  // The cursor cannot move up into lines that scrolled off the screen: a block taller than it is cut from the top.
  private fit(lines: string[]): string[] {
    const room = Math.max(3, (this.out.rows ?? Number.POSITIVE_INFINITY) - 2);
    if (lines.length <= room) return lines;
    const hidden = lines.length - room + 1;
    return [this.c.dim(`  … ${hidden} more lines`), ...lines.slice(hidden)];
  }

  /** Scrolling lines wrap within the terminal, and within 100 columns on a wide one, where long lines read badly. */
  private lineWidth(): number {
    return Math.min(100, (this.out.columns ?? 100) - 1);
  }

  private writePending(): void {
    const lines = this.pending.splice(0);
    if (lines.length > 0) this.out.write(`${lines.join('\n')}\n`);
  }

  private liveLines(): string[] {
    const now = this.now().getTime();
    const steps = this.board.rows.map((row) => this.stepLine(row, now));
    const rows: string[][] = [];
    for (const event of this.progress.values()) {
      event.deployments.forEach((d, i) => {
        rows.push([
          i === 0 ? event.service : '',
          d.role === 'new' ? d.role : this.c.dim(d.role),
          this.rollout(d.rolloutState ?? d.status),
          `${d.running}/${d.desired}`,
          String(d.pending),
          d.failed > 0 ? this.c.red(String(d.failed)) : String(d.failed),
        ]);
      });
    }
    if (rows.length === 0) return steps;
    const table = renderTable(['service', '', 'rollout', 'running', 'pending', 'failed'], rows, {
      color: this.c.isColorSupported,
      align: ['left', 'left', 'left', 'right', 'right', 'right'],
    });
    return [...steps, '', ...table.split('\n').map((line) => `  ${line}`)];
  }

  private stepLine(row: StepRow, now: number): string {
    const name = row.name.padEnd(11);
    const elapsed = formatDuration(this.board.elapsed(row, now)).padStart(6);
    const detail = row.detail ? `  ${sanitize(row.detail).replace(/\n/g, ' ')}` : '';
    const dimDetail = detail ? this.c.dim(detail) : '';
    switch (row.state) {
      case 'running': {
        const marker = this.finished ? '…' : SPINNER[this.frame % SPINNER.length]!;
        return `  ${this.c.cyan(marker)} ${name} ${this.c.dim(elapsed)}${dimDetail}`;
      }
      case 'done':
        return `  ${this.c.green('✔')} ${name} ${this.c.dim(elapsed)}${dimDetail}`;
      case 'failed':
        return `  ${this.c.red('✖')} ${this.c.red(name)} ${elapsed}${detail ? this.c.red(detail) : ''}`;
      case 'skipped':
        return this.c.dim(`  - ${name} ${'skipped'.padStart(6)}${detail}`);
    }
  }

  private rollout(state: string): string {
    if (/COMPLETED|PRIMARY/.test(state)) return this.c.green(state);
    if (/FAILED|ROLLBACK/.test(state)) return this.c.red(state);
    if (/IN_PROGRESS|ACTIVE/.test(state)) return this.c.yellow(state);
    return state;
  }

  private linesFor(event: FerryEvent): string[] {
    const c = this.c;
    const each = (text: string, decorate: (line: string) => string) =>
      sanitize(text)
        .split('\n')
        .map((line) => decorate(highlightFailures(line, c)));
    switch (event.type) {
      case 'log':
        if (event.level === 'debug') return this.verbose ? each(event.message, (l) => c.dim(`  ${l}`)) : [];
        if (event.level === 'warn') return each(event.message, (l) => `${c.yellow('!')} ${l}`);
        if (event.level === 'error') return each(event.message, (l) => `${c.red('✖')} ${l}`);
        return each(event.message, (l) => `  ${l}`);
      case 'plan':
        return [
          c.bold(`plan ${sanitize(`${event.env} ${event.sha} ${pinned(event)}`)}`),
          ...event.lines.flatMap((line) => each(line, (l) => `  ${l}`)),
        ];
      case 'service_event': {
        const when = /^\d{4}-\d\d-\d\dT(\d\d:\d\d:\d\d)/.exec(event.createdAt)?.[1] ?? '';
        const marker = event.failure ? c.red('✖') : c.dim('·');
        const prefix = `${marker} ${c.dim(`${when} ${sanitize(event.service)}`)}  `;
        // Wrapped under the message, so an event reads as one block within 100 columns.
        const indent = ' '.repeat(visibleWidth(prefix));
        const room = Math.max(30, this.lineWidth() - indent.length);
        return sanitize(shortTaskIds(compactServiceEvent(event.service, event.message)))
          .split('\n')
          .flatMap((line) => wrapWords(line, room))
          .map((piece, i) => `${i === 0 ? prefix : indent}${highlightFailures(piece, c)}`);
      }
      case 'task_stopped':
        return each(describeTaskStopped(event), (l) => `${c.red('✖')} ${l}`);
      case 'migration_log':
        return each(event.message, (l) => `  ${c.dim('migrate │')} ${l}`);
      case 'task_log': {
        // Short ids read like short SHAs; the task_stopped line above carries the full one.
        const who = c.dim(`${sanitize(event.service)} ${taskIdOf(event.taskArn).slice(0, 8)} │`);
        return sanitize(event.message)
          .split('\n')
          .map((l) => `  ${who} ${highlightFailures(l, c, c.dim)}`);
      }
      case 'health':
        return each(
          describeHealth(event),
          (l) => `${event.ok ? c.green('✔') : c.red('✖')} ${c.dim('health')} ${l}`,
        );
      default:
        return [];
    }
  }

  private summary(result: Of<'result'>): string[] {
    const good = result.exitCode === ExitCode.Ok;
    const [outcome, ...facts] = resultLines(result);
    const paint = good ? this.c.green : this.c.red;
    const rows = facts.map(({ label, value }) => [
      this.c.dim(label),
      highlightFailures(sanitize(value).replace(/\n/g, ' '), this.c),
    ]);
    const lines = [this.c.bold(paint(`${good ? '✔' : '✖'} ${outcome!.value}`))];
    if (rows.length > 0)
      lines.push(
        ...renderTable([], rows)
          .split('\n')
          .map((line) => `  ${line}`),
      );
    return lines;
  }
}
