/**
 * Just enough of PostgreSQL's lexical grammar to read migrations statement by
 * statement: comments vanish, and string literals, quoted identifiers and
 * dollar-quoted bodies become single opaque tokens, so that a `DROP TABLE`
 * inside any of them is never mistaken for one the migration runs.
 */

export type TokenKind = 'word' | 'ident' | 'string' | 'body' | 'number' | 'punct';

export interface Token {
  kind: TokenKind;
  /** The source text of the token. */
  text: string;
  /** Words upper-cased; quoted identifiers unquoted, case kept; anything else as written. */
  value: string;
  /** 1-based line where the token starts. */
  line: number;
  /** Parenthesis depth within the statement: 0 at the top level. */
  depth: number;
  start: number;
  end: number;
}

export interface Statement {
  tokens: Token[];
  line: number;
  /** The statement's source with comments removed and whitespace collapsed. */
  text: string;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/;

/** Splits SQL into statements at top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): Statement[] {
  const statements: Statement[] = [];
  let current: Token[] = [];
  const finish = () => {
    if (current.length > 0) statements.push(toStatement(sql, current));
    current = [];
  };
  let depth = 0;
  for (const token of tokenize(sql)) {
    if (token.kind === 'punct' && token.text === ';') {
      finish();
      depth = 0;
      continue;
    }
    if (token.kind === 'punct' && token.text === ')') depth = Math.max(0, depth - 1);
    current.push({ ...token, depth });
    if (token.kind === 'punct' && token.text === '(') depth += 1;
  }
  finish();
  return statements;
}

function toStatement(sql: string, tokens: Token[]): Statement {
  let text = '';
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (i > 0 && token.start > tokens[i - 1]!.end) text += ' ';
    text += sql.slice(token.start, token.end).replace(/\s+/g, ' ');
  }
  return { tokens, line: tokens[0]!.line, text };
}

/** Every token of `sql`, comments and whitespace skipped. Unterminated constructs run to the end. */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  const advance = (to: number) => {
    for (let k = i; k < to; k++) if (sql.charCodeAt(k) === 10) line += 1;
    i = to;
  };
  const push = (kind: TokenKind, end: number, value?: string) => {
    const text = sql.slice(i, end);
    tokens.push({ kind, text, value: value ?? text, line, depth: 0, start: i, end });
    advance(end);
  };

  while (i < sql.length) {
    const c = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(c)) advance(i + 1);
    else if (c === '-' && next === '-') advance(endOfLine(sql, i));
    else if (c === '/' && next === '*') advance(endOfBlockComment(sql, i));
    else if (c === "'") push('string', endOfQuoted(sql, i, "'", false));
    else if ((c === 'E' || c === 'e') && next === "'") push('string', endOfQuoted(sql, i + 1, "'", true));
    else if (c === '"') {
      const end = endOfQuoted(sql, i, '"', false);
      push('ident', end, sql.slice(i + 1, end - 1).replaceAll('""', '"'));
    } else if (c === '$' && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
      const close = sql.indexOf(tag, i + tag.length);
      push('body', close < 0 ? sql.length : close + tag.length);
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < sql.length && WORD_PART.test(sql[end]!)) end++;
      push('word', end, sql.slice(i, end).toUpperCase());
    } else if (/[0-9]/.test(c)) {
      let end = i + 1;
      while (end < sql.length && /[0-9.eE_]/.test(sql[end]!)) end++;
      push('number', end);
    } else push('punct', i + 1);
  }
  return tokens;
}

function endOfLine(sql: string, from: number): number {
  const nl = sql.indexOf('\n', from);
  return nl < 0 ? sql.length : nl;
}

/** PostgreSQL block comments nest. */
function endOfBlockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql.startsWith('/*', i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith('*/', i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/** From an opening quote to just past its closing one; a doubled quote is an escaped one. */
function endOfQuoted(sql: string, open: number, quote: string, backslashes: boolean): number {
  let i = open + 1;
  while (i < sql.length) {
    const c = sql[i]!;
    if (backslashes && c === '\\') i += 2;
    else if (c === quote && sql[i + 1] === quote) i += 2;
    else if (c === quote) return i + 1;
    else i++;
  }
  return sql.length;
}
