/**
 * The release ledger (docs/architecture.md): one overwrite of `/ferry/<app>/<env>/releases`
 * per release; GetParameterHistory is the history.
 */
import type { Outcome, StepName } from './events.ts';
import type { ParameterStore } from './ports.ts';
import { ledgerParameter } from './resource-names.ts';

/** How a release came about. Records written before ferry kept it have no kind: read them as deploys. */
export type RecordKind = 'deploy' | 'rollback' | 'promote';

/** The record of docs/architecture.md plus its kind; absent values are null so every key is always there. */
export interface ReleaseRecord {
  kind?: RecordKind;
  sha: string;
  digest: string;
  taskDefinitionArn: string | null;
  previousTaskDefinitionArn: string | null;
  snapshotId: string | null;
  outcome: Exclude<Outcome, 'ok'>;
  actor: string;
  startedAt: string;
  finishedAt: string;
  steps: { name: StepName; ms: number }[];
  /** When the SHA was committed, if git knew (records before ferry kept it have none): `ferry metrics` lead time. */
  committedAt?: string;
  /** Present (true) only when the release bypassed promotion with --skip-promotion. */
  skippedPromotion?: true;
  /**
   * Added to the contract's fields: each service's revision before and after the
   * release (the first one is also `taskDefinitionArn`/`previousTaskDefinitionArn`).
   * Records written before multi-service releases lack it.
   */
  services?: ServiceRevisions[];
  /** Promotions only: where the image came from and whether the source's live health was checked. */
  promotion?: { from: string; sourceCheck: 'passed' | 'skipped' };
}

export interface ServiceRevisions {
  name: string;
  taskDefinitionArn: string | null;
  previousTaskDefinitionArn: string | null;
}

export async function recordRelease(
  params: ParameterStore,
  app: string,
  env: string,
  record: ReleaseRecord,
): Promise<number> {
  const ordered: ReleaseRecord = {
    sha: record.sha,
    digest: record.digest,
    taskDefinitionArn: record.taskDefinitionArn,
    previousTaskDefinitionArn: record.previousTaskDefinitionArn,
    snapshotId: record.snapshotId,
    outcome: record.outcome,
    actor: record.actor,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    steps: record.steps.map((s) => ({ name: s.name, ms: s.ms })),
    // After the fields of the contract, which readers of older records know.
    ...(record.kind ? { kind: record.kind } : {}),
    ...(record.committedAt ? { committedAt: record.committedAt } : {}),
    ...(record.skippedPromotion ? { skippedPromotion: true as const } : {}),
    ...(record.services ? { services: record.services } : {}),
    ...(record.promotion ? { promotion: record.promotion } : {}),
  };
  return params.put(ledgerParameter(app, env), JSON.stringify(ordered));
}

export interface LedgerEntry extends ReleaseRecord {
  version: number;
}

/** Newest first. Versions whose value is not a record (edited by hand) are skipped, not fatal. */
export async function readLedger(params: ParameterStore, app: string, env: string): Promise<LedgerEntry[]> {
  const versions = await params.history(ledgerParameter(app, env));
  const entries: LedgerEntry[] = [];
  for (const v of versions) {
    const record = parseRecord(v.value);
    if (record) entries.push({ ...record, version: v.version });
  }
  return entries.sort((a, b) => b.version - a.version);
}

function parseRecord(text: string): ReleaseRecord | undefined {
  try {
    const value = JSON.parse(text) as ReleaseRecord;
    return typeof value?.sha === 'string' && typeof value.outcome === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

export type RollbackChoice = { found: LedgerEntry } | { problem: string };

/**
 * The release `ferry rollback` returns to: the newest successful one that is not
 * what runs now, or the newest successful one with the SHA asked for.
 */
export function chooseRollbackTarget(
  entries: LedgerEntry[],
  running: { taskDefinitionArn?: string; sha?: string },
  to?: string,
): RollbackChoice {
  const deployed = entries.filter((e) => e.outcome === 'deployed');
  if (to) {
    const shas = [...new Set(deployed.filter((e) => e.sha.startsWith(to)).map((e) => e.sha))];
    if (shas.length > 1 && !shas.includes(to)) {
      return {
        problem: `--to ${to} is ambiguous: it starts ${shas.length} released SHAs: ${shas.slice(0, 5).join(', ')}; give more characters`,
      };
    }
    const match = deployed.find((e) => e.sha === to) ?? deployed.find((e) => e.sha.startsWith(to));
    return match
      ? { found: match }
      : { problem: `--to ${to}: no successful release of that SHA in the ledger; see \`ferry history\`` };
  }
  const current = (e: LedgerEntry) =>
    (running.taskDefinitionArn !== undefined && e.taskDefinitionArn === running.taskDefinitionArn) ||
    (running.sha !== undefined && e.sha === running.sha);
  const previous = deployed.find((e) => !current(e));
  return previous
    ? { found: previous }
    : { problem: 'no earlier successful release in the ledger to roll back to; see `ferry history`' };
}
