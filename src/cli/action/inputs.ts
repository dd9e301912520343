/**
 * The composite action (action.yml) as plain functions: its inputs become
 * ferry's argv, and the final result event becomes the step's outputs.
 */

export interface ActionInputs {
  command: string;
  environment: string;
  sha: string;
  config: string;
  /** More arguments, split on whitespace; never evaluated by a shell. */
  args: string;
}

/** A bad input, reported as one line naming it. */
export class ActionInputError extends Error {}

// Where `environment` and `sha` go for each command; commands not listed take only `args`.
const ENV_FLAG: Record<string, string | null> = {
  deploy: null,
  rollback: null,
  preview: null,
  status: null,
  history: null,
  metrics: null,
  doctor: null,
  promote: '--to',
  build: '--env',
};
const SHA_FLAG: Record<string, string> = {
  deploy: '--sha',
  promote: '--sha',
  build: '--sha',
  rollback: '--to',
};

export function actionArgv(inputs: ActionInputs): string[] {
  const command = inputs.command.trim();
  if (!/^[a-z]+$/.test(command)) {
    throw new ActionInputError(
      `input command: "${command}" is not a ferry command, such as deploy or promote`,
    );
  }
  const argv = [command];
  const env = inputs.environment.trim();
  if (env) {
    if (!(command in ENV_FLAG))
      throw new ActionInputError(`input environment: ferry ${command} takes no environment`);
    const flag = ENV_FLAG[command];
    argv.push(...(flag ? [flag, env] : [env]));
  }
  const sha = inputs.sha.trim();
  if (sha) {
    const flag = SHA_FLAG[command];
    if (!flag) throw new ActionInputError(`input sha: ferry ${command} takes no SHA`);
    argv.push(flag, sha);
  }
  if (inputs.config.trim()) argv.push('--config', inputs.config.trim());
  argv.push(...inputs.args.split(/\s+/).filter((a) => a !== ''));
  if (!argv.includes('--json')) argv.push('--json');
  return argv;
}

export interface ActionOutputs {
  outcome: string;
  digest: string;
  'snapshot-id': string;
  'exit-code': string;
}

/** The outputs from ferry's NDJSON stdout: its last `result` line, and the process's exit code. */
export function actionOutputs(ndjson: string, exitCode: number): ActionOutputs {
  let result: Record<string, unknown> = {};
  for (const line of ndjson.split('\n')) {
    if (!line.trim()) continue;
    try {
      const event = JSON.parse(line) as Record<string, unknown>;
      if (event.type === 'result') result = event;
    } catch {
      // Not ferry's JSON: nothing to read from this line.
    }
  }
  const text = (value: unknown) => (typeof value === 'string' ? value.replace(/[\r\n]/g, ' ') : '');
  return {
    outcome: text(result.outcome),
    digest: text(result.digest),
    'snapshot-id': text(result.snapshotId),
    'exit-code': String(exitCode),
  };
}

/** `name=value` lines for $GITHUB_OUTPUT (values are single lines). */
export function outputLines(outputs: ActionOutputs): string {
  return Object.entries(outputs)
    .map(([name, value]) => `${name}=${value}\n`)
    .join('');
}
