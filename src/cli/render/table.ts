import { makeColors } from './mode.ts';
import { visibleWidth } from './text.ts';

export interface TableOptions {
  /** Bold headers; cells may carry their own colours either way. */
  color?: boolean;
  /** Per column; numbers usually read best right-aligned. Default left. */
  align?: ('left' | 'right')[];
  /** Spaces between columns. Default 2. */
  gap?: number;
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Aligned columns for `status`, `history` and the live deployment table.
 * Widths ignore ANSI colour codes, so coloured cells line up with plain ones.
 * Lines carry no trailing spaces and no final newline.
 */
export function renderTable(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const colors = makeColors(opts.color ?? false);
  const columns = Math.max(headers.length, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, i) =>
    Math.max(visibleWidth(headers[i] ?? ''), ...rows.map((row) => visibleWidth(row[i] ?? ''))),
  );
  const gap = ' '.repeat(opts.gap ?? 2);
  const line = (cells: string[], style: (s: string) => string) =>
    widths
      .map((width, i) => pad(style(cells[i] ?? ''), width, opts.align?.[i] ?? 'left'))
      .join(gap)
      .trimEnd();
  const lines = headers.length > 0 ? [line(headers, (s) => colors.bold(s))] : [];
  for (const row of rows) lines.push(line(row, (s) => s));
  return lines.join('\n');
}
