/**
 * The longest a release can take: the sum of every step's bound. A CI job's
 * `timeout-minutes` must be longer, or the job is cancelled mid-release.
 */
import type { FerryConfig } from '../config/schema.ts';
import { SNAPSHOT_TIMEOUT_MS } from './snapshot.ts';

/** The whole image copy of a promotion (src/cli/commands/promote.ts). */
export const IMAGE_COPY_BOUND_MS = 30 * 60_000;

export function longestReleaseMs(config: FerryConfig, rolloutTimeoutMs: number, promotion: boolean): number {
  const migrate = config.migrate ? config.migrate.timeout : 0;
  const health = config.health.timeout;
  const rollout = rolloutTimeoutMs + health;
  const rollback = rolloutTimeoutMs + health;
  return (promotion ? IMAGE_COPY_BOUND_MS : 0) + SNAPSHOT_TIMEOUT_MS + migrate + rollout + rollback;
}

/** The rollout watch's default bound (`--timeout`): the CLI's default, kept here for CI job sizing. */
export const DEFAULT_ROLLOUT_TIMEOUT_MS = 30 * 60_000;

/**
 * `timeout-minutes` for a CI job whose ferry steps are bounded by `boundsMs` in all: GitHub must never
 * cancel a job before ferry's own bounds end it (ten more minutes for checkout, set-up and reporting).
 */
export function jobTimeoutMinutes(boundsMs: number): number {
  return Math.ceil(boundsMs / 60_000) + 10;
}
