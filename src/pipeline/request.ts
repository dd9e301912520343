/**
 * What the pipeline is asked to do, and what it answers. One request type for
 * the three releasing commands: each command only parses its options into one
 * of these kinds and hands it to `runRelease`.
 */
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import type { StepTimer } from './context.ts';
import type { Outcome } from './events.ts';
import type { Lease } from './lease.ts';
import type { Plan } from './plan.ts';

/** `ferry deploy <env> --sha SHA` (SHA may be a unique prefix). */
export interface DeployAsk {
  kind: 'deploy';
  sha: string;
  /** `--skip-promotion`: an environment with promoteFrom deployed directly; recorded and flagged. */
  skipPromotion?: boolean;
}

/** `ferry rollback <env> [--to SHA]`: the previous successful release, or the one with SHA. */
export interface RollbackAsk {
  kind: 'rollback';
  to?: string;
}

/** `ferry promote --from A --to <env> [--sha SHA]`: the exact image that passed A. */
export interface PromoteAsk {
  kind: 'promote';
  from: string;
  sha?: string;
  /** `--skip-source-check`: promote without the live check of the source (recorded in the ledger). */
  skipSourceCheck?: boolean;
  /** `--allow-older`: promote a release that passed the source before what the target runs. */
  allowOlder?: boolean;
}

export type ReleaseAsk = DeployAsk | RollbackAsk | PromoteAsk;

/** How the run is carried out: the same for every kind. */
export interface RunSettings {
  env: string;
  config: FerryConfig;
  /** The target environment's descriptor (read at the composition root: it decides which ports to build). */
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
}

export type ReleaseRequest = ReleaseAsk & RunSettings;
export type DeployRequest = DeployAsk & RunSettings;

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
