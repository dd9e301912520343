/**
 * The longest a release can take: the sum of every step's bound. A CI job's
 * `timeout-minutes` must be longer, or the job is cancelled mid-release.
 */
import type { FerryConfig } from '../config/schema.ts';
import { ms } from './plan.ts';
import { SNAPSHOT_TIMEOUT_MS } from './snapshot.ts';

/** The whole image copy of a promotion (src/cli/commands/promote.ts). */
export const IMAGE_COPY_BOUND_MS = 30 * 60_000;

export function longestReleaseMs(config: FerryConfig, rolloutTimeoutMs: number, promotion: boolean): number {
  const migrate = config.migrate ? ms(config.migrate.timeout) : 0;
  const health = ms(config.health.timeout);
  const rollout = rolloutTimeoutMs + health;
  const rollback = rolloutTimeoutMs + health;
  return (promotion ? IMAGE_COPY_BOUND_MS : 0) + SNAPSHOT_TIMEOUT_MS + migrate + rollout + rollback;
}
