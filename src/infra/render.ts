import type {
  ChangeOp,
  ChangeSummary,
  Danger,
  Json,
  PreviewReport,
  PropertyChange,
  ResourceChange,
} from './model.ts';

/** The few colours the preview uses (picocolors' shape); identity functions when colour is off. */
export interface Paint {
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

export const NO_PAINT: Paint = {
  red: (t) => t,
  green: (t) => t,
  yellow: (t) => t,
  cyan: (t) => t,
  bold: (t) => t,
  dim: (t) => t,
};

const SYMBOL: Record<ChangeOp, string> = { create: '+', update: '~', replace: '±', delete: '-' };

/** `+2 ~1 -0`, then replacements and dangers when there are any. */
export function summaryLine(summary: ChangeSummary, changes: readonly ResourceChange[]): string {
  const dangers = changes.filter((c) => c.dangers.some((d) => d.level === 'danger')).length;
  const extras = [
    summary.replace > 0 ? `${summary.replace} to replace` : '',
    dangers > 0 ? `${dangers} dangerous` : '',
  ].filter(Boolean);
  const line = `+${summary.create} ~${summary.update} -${summary.delete}`;
  return extras.length > 0 ? `${line} (${extras.join(', ')})` : line;
}

// Control characters in values (from the program or the engine) must not reach the terminal.
const clean = (text: string) => text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '');

export function formatValue(value: Json, max = 160): string {
  const text = clean(
    value === undefined
      ? 'undefined'
      : typeof value === 'string'
        ? JSON.stringify(value)
        : (JSON.stringify(value) ?? String(value)),
  );
  return max > 0 && text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** `path: before → after`, `path: + value`, `path: - value`. */
export function describeProperty(p: PropertyChange, max = 160): string {
  const replaces = p.replaces ? ' (forces replacement)' : '';
  if (p.kind === 'add') return `${p.path}: + ${formatValue(p.after, max)}${replaces}`;
  if (p.kind === 'delete') return `${p.path}: - ${formatValue(p.before, max)}${replaces}`;
  return `${p.path}: ${formatValue(p.before, max)} → ${formatValue(p.after, max)}${replaces}`;
}

function title(report: PreviewReport): string {
  const how =
    report.mode === 'offline' ? `offline, working tree vs ${report.base ?? 'HEAD'}` : 'pulumi preview';
  return `preview ${report.env} (${how}): ${summaryLine(report.summary, report.changes)}`;
}

const plural = (n: number, word: string) => (n === 0 ? '' : `${n} ${word}${n === 1 ? '' : 's'}`);
const shorten = (text: string, max: number) =>
  max > 0 && text.length > max ? `${text.slice(0, max - 1)}…` : text;

const dangerMark = (d: Danger, c: Paint) =>
  d.level === 'danger' ? c.red(c.bold('✖ DANGER')) : c.yellow('⚠ warning');

export interface TextOptions {
  paint?: Paint;
  /** Show every input of created resources and untruncated values. */
  verbose?: boolean;
}

/** The human preview: summary, dangers first, then each resource with its property changes. */
export function renderPreviewText(report: PreviewReport, opts: TextOptions = {}): string {
  const c = opts.paint ?? NO_PAINT;
  const max = opts.verbose ? 0 : 160;
  const lines = [c.bold(title(report))];
  const dangers = report.changes.flatMap((ch) => ch.dangers);
  if (dangers.length > 0) {
    const severe = dangers.filter((d) => d.level === 'danger').length;
    const counts = [plural(severe, 'danger'), plural(dangers.length - severe, 'warning')]
      .filter(Boolean)
      .join(', ');
    lines.push('', c.bold((severe > 0 ? c.red : c.yellow)(`Review before applying (${counts}):`)));
    for (const d of dangers)
      lines.push(`  ${dangerMark(d, c)} ${shorten(clean(d.message), opts.verbose ? 0 : 300)}`);
  }
  if (report.changes.length === 0) {
    lines.push('', c.green('No resource changes.'));
  } else {
    lines.push('', c.bold('Resources:'));
  }
  for (const ch of report.changes) {
    const paint = ch.op === 'create' ? c.green : ch.op === 'update' ? c.yellow : c.red;
    const label =
      ch.op === 'replace' ? c.red(c.bold(' REPLACE')) : ch.op === 'delete' ? c.red(' DELETE') : '';
    const marker = ch.dangers.some((d) => d.level === 'danger')
      ? ` ${c.red('✖')}`
      : ch.dangers.length > 0
        ? ` ${c.yellow('⚠')}`
        : '';
    lines.push(`${paint(SYMBOL[ch.op])} ${ch.type} ${c.bold(clean(ch.name))}${label}${marker}`);
    const shown = ch.op === 'create' && !opts.verbose ? [] : ch.properties;
    for (const p of shown) {
      const text = `    ${describeProperty(p, max)}`;
      lines.push(p.replaces ? c.red(text) : text);
    }
    if (ch.op === 'create' && !opts.verbose && ch.properties.length > 0) {
      lines.push(c.dim(`    ${ch.properties.length} inputs (--verbose shows them)`));
    }
    for (const p of ch.options ?? []) lines.push(`    ${c.cyan('option')} ${describeProperty(p, max)}`);
  }
  if (report.config.length > 0) {
    lines.push('', c.bold('Stack config:'));
    for (const p of report.config) lines.push(`  ${describeProperty(p, max)}`);
  }
  if (report.outputs.length > 0) {
    lines.push('', c.bold('Stack outputs:'));
    for (const p of report.outputs) lines.push(`  ${describeProperty(p, max)}`);
  }
  for (const note of report.notes) lines.push(c.dim(`note: ${note}`));
  return lines.join('\n');
}

const escapeHtml = (text: string) =>
  clean(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;');
// Keeps a fenced block closed whatever the values contain.
const fenced = (text: string) => clean(text).replace(/```/g, "'''");

/** The GitHub job summary: the same preview as Markdown, with a diff-highlighted block. */
export function renderPreviewMarkdown(report: PreviewReport): string {
  const out: string[] = [];
  const counts = summaryLine(report.summary, report.changes);
  const how =
    report.mode === 'offline'
      ? `offline, working tree vs <code>${escapeHtml(report.base ?? 'HEAD')}</code>`
      : 'pulumi preview';
  out.push(`## ferry preview ${escapeHtml(report.env)}`, '', `**${escapeHtml(counts)}** · ${how}`, '');
  const dangers = report.changes.flatMap((ch) => ch.dangers);
  if (dangers.length > 0) {
    out.push('### ⚠️ Dangerous changes', '');
    for (const d of dangers)
      out.push(`- ${d.level === 'danger' ? '🛑 **danger**' : '⚠️ warning'}: ${escapeHtml(d.message)}`);
    out.push('');
  }
  if (report.changes.length === 0) {
    out.push('No resource changes.', '');
  } else {
    out.push('### Resources', '', '```diff');
    for (const ch of report.changes) {
      const head = ch.op === 'update' ? '!' : ch.op === 'create' ? '+' : '-';
      out.push(
        fenced(`${head} ${SYMBOL[ch.op]} ${ch.type} ${ch.name}${ch.op === 'replace' ? ' (REPLACE)' : ''}`),
      );
      const shown = ch.op === 'create' ? [] : ch.properties;
      for (const p of shown) out.push(fenced(`      ${describeProperty(p)}`));
      for (const p of ch.options ?? []) out.push(fenced(`      option ${describeProperty(p)}`));
    }
    out.push('```', '');
  }
  if (report.config.length > 0) {
    out.push('<details><summary>Stack config changes</summary>', '', '```');
    for (const p of report.config) out.push(fenced(describeProperty(p)));
    out.push('```', '</details>', '');
  }
  if (report.outputs.length > 0) {
    out.push('<details><summary>Stack output changes</summary>', '', '```');
    for (const p of report.outputs) out.push(fenced(describeProperty(p)));
    out.push('```', '</details>', '');
  }
  for (const note of report.notes) out.push(`<sub>${escapeHtml(note)}</sub>`, '');
  return `${out.join('\n')}\n`;
}
