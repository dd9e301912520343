/**
 * `ferry preview`'s report and verdict: which way the report is made (offline
 * as a diff of two mock runs, online through the Pulumi CLI), and whether its
 * changes fail the check. Read-only either way.
 */
import type { PreviewReport } from './model.ts';
import { checkEnvironment, locateStacks, previewOffline } from './offline.ts';
import {
  automationRunner,
  findPulumiCli,
  missingCliError,
  type PreviewRunner,
  previewOnline,
} from './online.ts';

export interface PreviewAsk {
  env: string;
  offline: boolean;
  /** Offline mode: the git ref to compare the working tree with. */
  base: string;
  cwd: string;
  /** Environment for git, the program runs and the CLI lookup (PATH, HOME). */
  processEnv: NodeJS.ProcessEnv;
  /** The node binary that runs the stack program offline. */
  nodePath: string;
  onProgress: (message: string) => void;
}

/** Seams for tests: the Automation API and the CLI lookup. */
export interface PreviewSeams {
  runner?: PreviewRunner;
  findCli?: (env: NodeJS.ProcessEnv) => Promise<string | undefined>;
}

export function previewReport(ask: PreviewAsk, seams: PreviewSeams = {}): Promise<PreviewReport> {
  if (ask.offline) {
    return previewOffline({
      cwd: ask.cwd,
      env: ask.env,
      base: ask.base,
      processEnv: ask.processEnv,
      nodePath: ask.nodePath,
      onProgress: ask.onProgress,
    });
  }
  return online(ask, seams);
}

async function online(ask: PreviewAsk, seams: PreviewSeams): Promise<PreviewReport> {
  const { stacksDir } = await locateStacks(ask.cwd, ask.processEnv);
  // An unknown stack is the user's typo: said before the (slower) CLI lookup.
  checkEnvironment(stacksDir, ask.env);
  let runner = seams.runner;
  if (!runner) {
    const cli = await (seams.findCli ?? findPulumiCli)(ask.processEnv);
    if (!cli) throw missingCliError(ask.env);
    runner = automationRunner(cli);
  }
  return previewOnline({ stacksDir, env: ask.env, runner });
}

export interface PreviewVerdict {
  /** Changes with at least one DANGER (warnings alone do not count). */
  dangerous: number;
  /** The check fails (exit 2) so that a pull request goes red, unless the dangers were accepted. */
  refuse: boolean;
}

export function previewVerdict(report: PreviewReport, allowDanger: boolean): PreviewVerdict {
  const dangerous = report.changes.filter((c) => c.dangers.some((d) => d.level === 'danger')).length;
  return { dangerous, refuse: dangerous > 0 && !allowDanger };
}
