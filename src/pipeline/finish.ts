/** The one way a release ends: the final `result` event (docs/architecture.md), whatever the outcome. */
import { ExitCode, isFerryError } from '../errors.ts';
import type { Emit, FerryEvent } from './events.ts';
import type { RecordKind } from './ledger.ts';
import type { ReleaseResult } from './request.ts';

/** Which release the result is about; the SHA is unknown when the run stopped before finding it. */
export interface ResultSubject {
  /** Unknown only when the command line itself was wrong. */
  env?: string;
  kind: RecordKind;
  sha?: string;
  skippedPromotion?: boolean;
}

/** Emits the final `result` event and hands the result back. Every releasing run ends here. */
export function finish(emit: Emit, subject: ResultSubject, result: ReleaseResult): ReleaseResult {
  const event: FerryEvent = {
    type: 'result',
    outcome: result.outcome,
    exitCode: result.exitCode,
    ...(subject.env ? { env: subject.env } : {}),
    ...(subject.sha ? { sha: subject.sha } : {}),
    kind: subject.kind,
    ...(result.digest ? { digest: result.digest } : {}),
    ...(result.snapshotId ? { snapshotId: result.snapshotId } : {}),
    ...(result.taskDefinitionArn ? { taskDefinitionArn: result.taskDefinitionArn } : {}),
    ...(result.reason ? { reason: result.reason } : {}),
    ...(result.next?.length ? { next: result.next } : {}),
    ...(result.dryRun ? { dryRun: true } : {}),
    ...(subject.skippedPromotion ? { skippedPromotion: true } : {}),
  };
  emit(event);
  return result;
}

/**
 * A refusal before anything was changed (bad input, a failed read, a rule):
 * a FerryError keeps its exit code and hints; an interruption exits 130.
 */
export function refusedBeforeChange(err: unknown, interrupted: boolean): ReleaseResult | undefined {
  if (interrupted) {
    return { outcome: 'aborted', exitCode: ExitCode.Interrupted, reason: 'interrupted; nothing was changed' };
  }
  if (!isFerryError(err)) return undefined;
  return {
    outcome: 'aborted',
    exitCode: err.exitCode,
    reason: err.message,
    ...(err.hints.length ? { next: [...err.hints] } : {}),
  };
}
