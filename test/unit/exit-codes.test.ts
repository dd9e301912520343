/**
 * ferry's exit codes are a contract (docs/architecture.md): each is named once,
 * in the ExitCode enum of src/errors.ts, and used by name everywhere else, so a
 * search for ExitCode.NeedsPerson finds every place that can end a run with 3.
 * Container exit codes (a task's, a builder's) are plain numbers and not matched.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** The sandbox simulates AWS (its numbers are containers'); the offline runner is a child with its own protocol. */
const OUTSIDE = [/^sandbox\//, /^infra\/offline-runner\.ts$/];

const LITERAL_EXIT_CODE: [string, RegExp][] = [
  ['a result or error with a literal exitCode', /\bexitCode:\s*\d/],
  ['a literal process exit', /process\.exit(Code\s*=\s*|\()\d/],
  ['a result compared with a literal', /\bresult\.exitCode\s*[!=]==?\s*\d/],
  ['a FerryError with a literal code', /new FerryError\([^;]*?,\s*\d+\s*\)\s*[;,)\n]/s],
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

describe('exit codes come only from the ExitCode enum', () => {
  const files = sources(SRC)
    .map((path) => ({ path: relative(SRC, path), text: readFileSync(path, 'utf8') }))
    .filter((f) => !OUTSIDE.some((re) => re.test(f.path)));

  it.each(LITERAL_EXIT_CODE)('no %s in src', (_what, pattern) => {
    const found = files.filter((f) => pattern.test(f.text)).map((f) => f.path);
    expect(found).toEqual([]);
  });

  it('no command returns a literal number', () => {
    const found = files
      .filter((f) => f.path.startsWith('cli/commands/') && /\breturn\s+\d+\s*;/.test(f.text))
      .map((f) => f.path);
    expect(found).toEqual([]);
  });

  it('catches a literal when there is one (the check itself works)', () => {
    const text = "return { outcome: 'aborted', exitCode: 2 };\nthrow new FerryError(message, 2);";
    expect(LITERAL_EXIT_CODE.filter(([, re]) => re.test(text)).map(([what]) => what)).toEqual([
      'a result or error with a literal exitCode',
      'a FerryError with a literal code',
    ]);
  });
});
