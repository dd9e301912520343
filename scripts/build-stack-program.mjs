// Part of `npm run build`: puts the stack files beside the compiled sandbox stack program
// (dist/sandbox/stack-world/program), so an installed ferry's sandbox can generate its world from
// the same stacks as a checkout. Plain JavaScript: `prepare` may run on an older Node.
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';

const from = new URL('../stacks/', import.meta.url);
const to = new URL('../dist/sandbox/stack-world/program/', import.meta.url);
const project = readFileSync(new URL('Pulumi.yaml', from), 'utf8').replace(
  /^main: index\.ts$/m,
  'main: index.js',
);
writeFileSync(new URL('Pulumi.yaml', to), project);
for (const stack of ['Pulumi.staging.yaml', 'Pulumi.production.yaml'])
  copyFileSync(new URL(stack, from), new URL(stack, to));
