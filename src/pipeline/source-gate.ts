/** Promotion's two early exits: the target already runs the release (a no-op), or the source is not healthy now. */
import { ExitCode } from '../errors.ts';
import { type Deps, info, type StepTimer, warn } from './context.ts';
import type { Plan } from './plan.ts';
import type { ReleaseRequest, ReleaseResult } from './release-types.ts';
import { checkSource } from './source-check.ts';

/**
 * A promotion whose target already runs this exact release on every service (same
 * SHA, same digest, rollout COMPLETED) has nothing to do: no lock, no copy, no deploy.
 */
export function alreadyPromoted(deps: Deps, req: ReleaseRequest, plan: Plan): ReleaseResult | undefined {
  if (!req.promotion || !plan.services.every((s) => s.converged)) return undefined;
  // The full digest is in the result's `digest`; the line stays readable at 100 columns.
  const reason = `${req.env} already runs ${plan.sha.slice(0, 7)} (${plan.digest.slice(0, 19)}), the release ${req.promotion.from} runs: nothing to promote`;
  info(deps, reason);
  return {
    outcome: 'ok',
    exitCode: ExitCode.Ok,
    digest: plan.digest,
    reason: `${reason}; nothing was changed`,
  };
}

/** The live health gate on the promotion's source, as one step; exit 2 with what was seen when it fails. */
export async function sourceGate(
  deps: Deps,
  req: ReleaseRequest,
  plan: Plan,
  steps: StepTimer,
): Promise<ReleaseResult | undefined> {
  const promotion = req.promotion;
  if (!promotion) return undefined;
  if (promotion.skipSourceCheck || !promotion.source) {
    const why = promotion.skipSourceCheck ? '--skip-source-check' : 'no source environment to check';
    steps.skip('source-check', why);
    warn(deps, `${promotion.from} was not checked live before promoting (${why}); the ledger records it`);
    return undefined;
  }
  const step = steps.start('source-check');
  const checked = await checkSource(
    deps,
    promotion.source,
    { sha: plan.sha, digest: plan.digest },
    req.config.health,
  );
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
