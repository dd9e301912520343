import type { Colors } from './mode.ts';

// CSI/OSC sequences and other escapes, so widths count what the terminal shows.
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** Columns a string takes on a terminal (escape codes count as zero; one column per code point). */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const _ of stripAnsi(text)) width++;
  return width;
}

/**
 * Text that came from outside (service events, container logs, error messages)
 * may carry escape codes or carriage returns that would repaint the terminal or
 * start a new log line; keep its printable content and its line breaks only.
 */
export function sanitize(text: string): string {
  return stripAnsi(text)
    .replace(/\r\n?/g, '\n')
    .replace(/\t/g, '  ')
    .replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]/g, '');
}

/** Cuts a (possibly coloured) line to `width` visible columns, ending with an ellipsis when cut. */
export function truncate(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  let last = 0;
  const append = (plain: string): boolean => {
    for (const char of plain) {
      if (used >= width - 1) return false;
      out += char;
      used++;
    }
    return true;
  };
  for (const match of text.matchAll(ANSI)) {
    if (!append(text.slice(last, match.index))) return `${out}…\x1b[0m`;
    out += match[0];
    last = match.index + match[0].length;
  }
  append(text.slice(last));
  return `${out}…${text.includes('\x1b') ? '\x1b[0m' : ''}`;
}

// Words that mean something went wrong in ECS, ELB, health checks and ferry itself.
const FAILURE_WORDS =
  /\b(?:\w+(?:Error|Exception)|circuit breaker|roll(?:ing|ed)? ?back|ROLLBACK_\w+|unhealthy|failed|failures?|stopped|errors?|timed out|OutOfMemory\w*|OOMKilled|not found|denied|throttl\w+)\b/gi;

/**
 * Paints the failure words of a line red, so they stand out in a stream of
 * normal progress; `rest`, when given, decorates the text between them (e.g. dim).
 */
export function highlightFailures(text: string, colors: Colors, rest?: (text: string) => string): string {
  if (!colors.isColorSupported) return text;
  const word = (w: string) => colors.red(colors.bold(w));
  if (!rest) return text.replace(FAILURE_WORDS, word);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(FAILURE_WORDS)) {
    if (match.index > last) out += rest(text.slice(last, match.index));
    out += word(match[0]);
    last = match.index + match[0].length;
  }
  return last < text.length ? out + rest(text.slice(last)) : out;
}
