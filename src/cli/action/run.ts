/**
 * The program action.yml runs: ferry with the action's inputs, its NDJSON kept
 * in a file (the log shows the human output), the final result as step outputs,
 * and ferry's exit code as the step's.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { ExitCode } from '../../errors.ts';
import { ActionInputError, actionArgv, actionOutputs, outputLines } from './inputs.ts';

const FERRY = fileURLToPath(new URL('../../../bin/ferry', import.meta.url));

async function runAction(env: NodeJS.ProcessEnv): Promise<number> {
  let argv: string[];
  try {
    argv = actionArgv({
      command: env.FERRY_INPUT_COMMAND ?? '',
      environment: env.FERRY_INPUT_ENVIRONMENT ?? '',
      sha: env.FERRY_INPUT_SHA ?? '',
      config: env.FERRY_INPUT_CONFIG ?? '',
      args: env.FERRY_INPUT_ARGS ?? '',
    });
  } catch (err) {
    if (!(err instanceof ActionInputError)) throw err;
    process.stderr.write(`::error title=ferry::${err.message}\n`);
    return ExitCode.Usage;
  }
  const eventsFile = join(env.RUNNER_TEMP ?? '.', `ferry-events-${process.pid}.ndjson`);
  const events = createWriteStream(eventsFile);
  process.stderr.write(`ferry ${argv.join(' ')}\n`);
  const child = spawn(process.execPath, [FERRY, ...argv], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const [code] = await Promise.all([
    new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (exit, signal) =>
        resolve(exit ?? (signal ? ExitCode.Interrupted : ExitCode.NeedsPerson)),
      );
    }),
    pipeline(child.stdout, events),
  ]);
  const outputs = actionOutputs(readFileSync(eventsFile, 'utf8'), code);
  if (env.GITHUB_OUTPUT)
    appendFileSync(env.GITHUB_OUTPUT, `${outputLines(outputs)}events-file=${eventsFile}\n`);
  return code;
}

process.exitCode = await runAction(process.env);
