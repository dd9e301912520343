/** The files of `ferry init` on disk: which already exist, and writing them. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { usageError } from '../errors.ts';
import type { MutationRecorder } from '../mutations.ts';
import { SCAFFOLD_PATHS, type ScaffoldFile } from './files.ts';

/**
 * The scaffold's files that already exist in `dir`: refused (nothing written)
 * unless `force`. Checked before any question: finding out after answering
 * them that nothing can be written is a waste.
 */
export function existingScaffold(dir: string, force: boolean): string[] {
  const existing: string[] = SCAFFOLD_PATHS.filter((path) => existsSync(join(dir, path)));
  if (existing.length > 0 && !force) {
    throw usageError(
      `init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing was written`,
      'move them away, or pass --force to overwrite them',
    );
  }
  return existing;
}

export async function writeScaffoldFile(
  dir: string,
  file: ScaffoldFile,
  mutations: MutationRecorder,
): Promise<void> {
  mutations.record(`write ${file.path}`);
  await mkdir(dirname(join(dir, file.path)), { recursive: true });
  await writeFile(join(dir, file.path), file.content);
}
