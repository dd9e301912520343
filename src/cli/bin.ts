#!/usr/bin/env node
// The installed entry point (package.json "bin"): checks the Node version before loading anything
// that needs a newer one, then hands the process to the CLI. It imports nothing heavy statically.
import { readFileSync } from 'node:fs';
// A namespace import: a named import of a function that an old Node lacks fails before any code runs.
import * as nodeModule from 'node:module';
import { ExitCode } from '../errors.ts';
import { nodeVersionProblem } from './node-version.ts';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  engines?: { node?: string };
};
const problem = nodeVersionProblem(process.versions.node, pkg.engines?.node ?? '');
if (problem) {
  process.stderr.write(`ferry: ${problem}\n`);
  process.exit(ExitCode.Usage);
}
// The compile cache keeps start-up (AWS SDK, zod) well under a second on repeat runs.
nodeModule.enableCompileCache?.();
const { startCli } = await import('./start.ts');
process.exitCode = await startCli();
