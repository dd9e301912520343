import pc from 'picocolors';

export type OutputMode = 'json' | 'tty' | 'plain';
export type Colors = ReturnType<typeof pc.createColors>;

function isSet(value: string | undefined): boolean {
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * --json always wins (stdout is for machines). A live, redrawn step list needs a
 * real terminal: a dumb terminal or a CI log (which records every redraw as a
 * new line) gets timestamped plain lines instead.
 */
export function chooseMode(opts: {
  json: boolean;
  stderrIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}): OutputMode {
  if (opts.json) return 'json';
  if (!opts.stderrIsTTY) return 'plain';
  if (opts.env.TERM === 'dumb') return 'plain';
  if (isSet(opts.env.CI) || opts.env.GITHUB_ACTIONS === 'true') return 'plain';
  return 'tty';
}

/** Colour on a terminal unless NO_COLOR (https://no-color.org) or FORCE_COLOR=0 says otherwise. */
export function colorEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false') return false;
  return env.TERM !== 'dumb';
}

export function makeColors(enabled: boolean): Colors {
  return pc.createColors(enabled);
}

/** Whether the run happens inside a GitHub Actions job (log groups, annotations, job summary). */
export function inGitHubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
