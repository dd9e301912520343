// Preloaded with `node --import` to list every module the process resolves (ESM and CJS),
// printed on stderr at exit, so a test can prove what a command does NOT load.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const seen = new Set<string>();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    seen.add(result.url);
    return result;
  },
});
process.on('exit', () => {
  writeSync(2, `\n__LOADED__${JSON.stringify([...seen])}\n`);
});
