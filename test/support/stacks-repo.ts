/**
 * A throwaway git repository holding a committed copy of the stacks program (stacks/, the components in
 * src/stacks and the schemas in src/config): what `ferry preview --offline` reads, never this checkout.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface StacksRepo {
  dir: string;
  git: (...args: string[]) => Buffer;
  remove: () => void;
}

export function stacksRepo(prefix: string): StacksRepo {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=ferry-test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir },
      stdio: 'pipe',
    });
  for (const path of ['stacks', 'src/stacks', 'src/config']) {
    cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  }
  writeFileSync(join(dir, 'package.json'), '{ "type": "module", "private": true }\n');
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '-m', 'stacks');
  return { dir, git, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
