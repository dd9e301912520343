import type { Descriptor, FerryConfig } from '../config/schema.ts';
import type { StepTimer } from './context.ts';
import type { Outcome } from './events.ts';
import type { Lease } from './lease.ts';
import type { Plan, ReleaseKind } from './plan.ts';
import type { ImageCopier, Ports } from './ports.ts';
import type { RollbackTo } from './resolve.ts';

export interface ReleaseRequest {
  kind: ReleaseKind;
  env: string;
  sha: string;
  config: FerryConfig;
  descriptor: Descriptor;
  /** How long a rollout may take before ferry rolls it back (`--timeout`, default 30m). */
  timeoutMs: number;
  dryRun: boolean;
  /** Who holds the lock (user@host or the GitHub run) and this run's unique id. */
  owner: string;
  runId: string;
  /** How long the lock lives without renewal (default DEFAULT_LOCK_TTL_MS); renewed every fifth of it. */
  lockTtlMs?: number;
  /** GITHUB_ACTOR when set; otherwise the STS identity is asked. */
  actor?: string;
  /** When the SHA was committed (ISO-8601, from git when the clone has it): the ledger keeps it for lead time. */
  committedAt?: string;
  /** `--skip-promotion`: an environment with promoteFrom deployed directly; recorded and flagged. */
  skippedPromotion?: boolean;
  /** For a rollback: the recorded release to return to. */
  rollbackTo?: RollbackTo;
  /** For a promotion: the exact image that ran in `from`, copied into this environment after the lock. */
  promotion?: Promotion;
}

export interface Promotion {
  from: string;
  digest: string;
  copier: ImageCopier;
  /** The source environment, read live before the lock: it must be healthy on this release now. */
  source?: { ports: Ports; descriptor: Descriptor };
  /** `--skip-source-check`: promote without the live check (recorded in the ledger). */
  skipSourceCheck?: boolean;
}

export interface ReleaseResult {
  outcome: Outcome;
  exitCode: number;
  reason?: string;
  next?: string[];
  snapshotId?: string;
  taskDefinitionArn?: string;
  digest?: string;
  /** The run stopped after the plan (--dry-run): nothing was changed. */
  dryRun?: true;
}

/** Progress of one run: what has been changed so far decides the exit code of an unplanned error. */
export interface RunState {
  plan: Plan;
  steps: StepTimer;
  snapshotId?: string;
  /** The first service's new revision (the ledger's `taskDefinitionArn`). */
  taskDefinitionArn?: string;
  /** Each service's new revision, by service name, once registered. */
  revisions?: Map<string, string>;
  migrationStarted: boolean;
  deployStarted: boolean;
  /** The lock this run holds: renewed in the background, checked before each change. */
  lease?: Lease;
  /** A migration task ferry had to stop (interrupted, timed out, lost), and whether it was seen STOPPED. */
  interruptedMigration?: { taskArn: string; stopped: boolean; detail: string };
}
