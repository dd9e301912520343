// `node_modules/ferry` for a scratch application, as an install provides it, with `ferry/stacks`
// pointing at this checkout's src/stacks. The package itself sits outside node_modules (Node
// strips types only there) and is linked in.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const STACKS = fileURLToPath(new URL('../../src/stacks/index.ts', import.meta.url));

/** Links `<appDir>/node_modules/ferry` to a stand-in package written to `packageDir`. */
export function linkFerryPackage(appDir: string, packageDir: string): void {
  mkdirSync(packageDir, { recursive: true });
  writeFileSync(
    join(packageDir, 'package.json'),
    JSON.stringify({ name: 'ferry', type: 'module', exports: { './stacks': './stacks.ts' } }),
  );
  writeFileSync(join(packageDir, 'stacks.ts'), `export * from ${JSON.stringify(STACKS)};\n`);
  mkdirSync(join(appDir, 'node_modules'), { recursive: true });
  symlinkSync(packageDir, join(appDir, 'node_modules', 'ferry'));
}
