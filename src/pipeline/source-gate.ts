/** Promotion's live gate: the source must be healthy on the release right now, checked as one step. */

import type { FerryConfig } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { type Deps, info, type StepTimer, warn } from './context.ts';
import type { Plan } from './plan.ts';
import type { ReleaseResult } from './request.ts';
import { checkSource } from './source-check.ts';

/** Undefined to go on; exit 2 with what was seen when the source is not healthy on the release. */
export async function sourceGate(
  deps: Deps,
  plan: Plan,
  steps: StepTimer,
  health: FerryConfig['health'],
): Promise<ReleaseResult | undefined> {
  const promotion = plan.promotion;
  if (!promotion) return undefined;
  const source = deps.source;
  const skip =
    promotion.sourceCheck !== 'run'
      ? promotion.sourceCheck.skip
      : !source
        ? 'no source environment to check'
        : undefined;
  if (skip || !source) {
    const why = skip ?? 'no source environment to check';
    steps.skip('source-check', why);
    warn(deps, `${promotion.from} was not checked live before promoting (${why}); the ledger records it`);
    return undefined;
  }
  const step = steps.start('source-check');
  const checked = await checkSource(deps, source, { sha: plan.sha, digest: plan.digest }, health);
  for (const line of checked.seen) info(deps, `${promotion.from}: ${line}`);
  if (checked.ok) {
    step.done(`${promotion.from} healthy on ${plan.sha.slice(0, 7)}`);
    return undefined;
  }
  step.failed(checked.problem);
  return {
    outcome: 'aborted',
    exitCode: ExitCode.Usage,
    digest: plan.digest,
    reason: `${promotion.from} is not healthy on ${plan.sha.slice(0, 7)} right now: ${checked.problem}; nothing was changed`,
    next: [
      `seen in ${promotion.from}: ${checked.seen.join('; ')}`,
      `fix ${promotion.from} (ferry status ${promotion.from}) and promote again, or promote anyway with --skip-source-check`,
    ],
  };
}
