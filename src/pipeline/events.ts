/**
 * What the pipeline reports as it goes. Renderers (tty, plain, json, GitHub)
 * turn these into output; with --json each becomes one NDJSON line with `ts`.
 * The `step` and `result` shapes are the contract of docs/architecture.md.
 */

export type StepName =
  | 'resolve'
  | 'source-check'
  | 'build'
  | 'push'
  | 'lock'
  | 'copy-image'
  | 'snapshot'
  | 'register'
  | 'migrate'
  | 'deploy'
  | 'watch'
  | 'verify'
  | 'rollback'
  | 'record'
  | 'unlock';

export type StepStatus = 'start' | 'done' | 'failed' | 'skipped';

export type Outcome = 'deployed' | 'rolled_back' | 'failed' | 'aborted' | 'ok';

export type FerryEvent =
  | { type: 'step'; step: StepName; status: StepStatus; elapsedMs: number; detail?: string }
  | { type: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; message: string }
  | { type: 'plan'; env: string; sha: string; digest: string; image: string; lines: string[] }
  | {
      type: 'progress';
      service: string;
      deployments: {
        id: string;
        role: 'new' | 'old';
        status: string;
        rolloutState?: string;
        running: number;
        pending: number;
        desired: number;
        failed: number;
      }[];
    }
  | { type: 'service_event'; service: string; message: string; createdAt: string; failure: boolean }
  | {
      type: 'task_stopped';
      service?: string;
      taskArn: string;
      stopCode?: string;
      reason?: string;
      exitCode?: number;
    }
  | { type: 'migration_log'; message: string; timestamp: string }
  /** One line a failed task of the release printed (the tail of its awslogs stream), oldest first. */
  | { type: 'task_log'; service: string; taskArn: string; message: string; timestamp: string }
  | {
      type: 'health';
      url: string;
      ok: boolean;
      status?: number;
      version?: string;
      consecutive: number;
      error?: string;
    }
  | {
      type: 'result';
      outcome: Outcome;
      exitCode: number;
      env?: string;
      sha?: string;
      digest?: string;
      snapshotId?: string;
      taskDefinitionArn?: string;
      reason?: string;
      /** What a person should do next (exit 3, failures). */
      next?: string[];
      /** For deploy, promote and rollback: which of them ran. */
      kind?: 'deploy' | 'rollback' | 'promote';
      /** Set by --dry-run: the plan was shown and nothing was changed. */
      dryRun?: true;
      /** What the exit code means for this run, when the general meaning of the code would mislead. */
      meaning?: string;
      /** The release bypassed promotion (`ferry deploy --skip-promotion`). */
      skippedPromotion?: boolean;
    };

/** Where events go. The pipeline only emits; it never writes to a stream. */
export type Emit = (event: FerryEvent) => void;

export type LogEvent = Extract<FerryEvent, { type: 'log' }>;
export type ResultEvent = Extract<FerryEvent, { type: 'result' }>;
