/** Reading names and keywords out of a statement's tokens. */
import type { Token } from './sql.ts';

export const isWord = (token: Token | undefined, ...words: string[]): boolean =>
  token?.kind === 'word' && (words.length === 0 || words.includes(token.value));

export const isPunct = (token: Token | undefined, text: string): boolean =>
  token?.kind === 'punct' && token.text === text;

/** Whether the tokens from `at` on spell `words` (e.g. `IF`, `EXISTS`). */
export function hasWords(tokens: Token[], at: number, ...words: string[]): boolean {
  return words.every((w, k) => isWord(tokens[at + k], w));
}

/** Index of the first top-level (depth 0) word among `words` from `from` on, or -1. */
export function findTopWord(tokens: Token[], from: number, ...words: string[]): number {
  for (let i = from; i < tokens.length; i++) {
    if (tokens[i]!.depth === 0 && isWord(tokens[i], ...words)) return i;
  }
  return -1;
}

/** Skips optional keyword runs such as `IF EXISTS` or `ONLY`; returns the next index. */
export function skipWords(tokens: Token[], at: number, ...runs: string[][]): number {
  let i = at;
  for (const run of runs) if (hasWords(tokens, i, ...run)) i += run.length;
  return i;
}

export interface QualifiedName {
  /** Lower-cased unless quoted; the last part of `schema.table`. */
  name: string;
  next: number;
}

/** A possibly schema-qualified name at `at` (`orders`, `public.orders`, `"Orders"`). */
export function readName(tokens: Token[], at: number): QualifiedName | undefined {
  let i = at;
  let name: string | undefined;
  for (;;) {
    const token = tokens[i];
    if (token?.kind === 'word') name = token.value.toLowerCase();
    else if (token?.kind === 'ident') name = token.value;
    else return name === undefined ? undefined : { name, next: i };
    i++;
    if (!isPunct(tokens[i], '.')) return { name, next: i };
    i++;
  }
}

/** A comma-separated list of names, as in `DROP TABLE a, b`. */
export function readNames(tokens: Token[], at: number): { names: string[]; next: number } {
  const names: string[] = [];
  let i = at;
  for (;;) {
    const read = readName(tokens, i);
    if (!read) return { names, next: i };
    names.push(read.name);
    i = read.next;
    if (isPunct(tokens[i], '*')) i++;
    if (!isPunct(tokens[i], ',')) return { names, next: i };
    i++;
  }
}

/** Splits tokens at top-level commas: the actions of one `ALTER TABLE`. */
export function splitTopLevel(tokens: Token[]): Token[][] {
  const parts: Token[][] = [[]];
  for (const token of tokens) {
    if (token.depth === 0 && isPunct(token, ',')) parts.push([]);
    else parts.at(-1)!.push(token);
  }
  return parts.filter((p) => p.length > 0);
}
