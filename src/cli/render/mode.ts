import pc from 'picocolors';
import type { Runtime } from '../../runtime.ts';

export type OutputMode = 'json' | 'tty' | 'plain';
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * --json always wins (stdout is for machines). A live, redrawn step list needs a
 * real terminal: a dumb terminal or a CI log (which records every redraw as a
 * new line) gets timestamped plain lines instead.
 */
export function chooseMode(opts: { json: boolean; stderrIsTTY: boolean; runtime: Runtime }): OutputMode {
  if (opts.json) return 'json';
  if (!opts.stderrIsTTY) return 'plain';
  if (opts.runtime.dumbTerminal) return 'plain';
  if (opts.runtime.ci || opts.runtime.githubActions) return 'plain';
  return 'tty';
}

export function makeColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}
