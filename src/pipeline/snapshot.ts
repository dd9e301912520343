/**
 * The database snapshot taken before a migration, waited for with ferry's own
 * bounded polling (RDS waiters poll every 30 s and wait forever on a typo).
 */
import { type Deps, info, pollContext, warn } from './context.ts';
import { errorText, pollUntil, retryTransient } from './poll.ts';
import { TAG_ENV, TAG_MANAGED, TAG_SHA } from './resource-names.ts';
import { snapshotsToDelete } from './retention.ts';

/**
 * Snapshots of large databases take a while; past this a person should look.
 * One budget for both waits (the database available, then the snapshot), so the
 * step's bound is this, not twice it.
 */
export const SNAPSHOT_TIMEOUT_MS = 60 * 60_000;

export type SnapshotResult = { ok: true; id: string } | { ok: false; id?: string; reason: string };

export async function takeSnapshot(
  deps: Deps,
  target: { database: string; name: string; env: string; sha: string; keep: number },
): Promise<SnapshotResult> {
  const db = deps.ports.database;
  const poll = pollContext(deps);
  const deadline = deps.clock.now().getTime() + SNAPSHOT_TIMEOUT_MS;
  const left = () => Math.max(0, deadline - deps.clock.now().getTime());
  const ready = await pollUntil(poll, left(), async () => {
    const status = await retryTransient(poll, 'database status', () => db.describeStatus(target.database));
    return status === 'available' ? status : undefined;
  });
  if (!ready)
    return { ok: false, reason: `database ${target.database} did not become available to snapshot` };

  const tags = { [TAG_MANAGED]: 'true', [TAG_ENV]: target.env, [TAG_SHA]: target.sha };
  try {
    await db.createSnapshot(target.database, target.name, tags);
    info(deps, `snapshot ${target.name} of ${target.database} started`);
  } catch (err) {
    if (deps.signal.aborted) throw err;
    if (!/AlreadyExists/.test((err as Error)?.name ?? '')) {
      // The request may have been carried out even so (a lost response): keep the id.
      return { ok: false, id: target.name, reason: `snapshot ${target.name}: ${errorText(err)}` };
    }
    const reused = await reusable(deps, target);
    if (!reused) return { ok: false, id: target.name, reason: `snapshot ${target.name}: ${errorText(err)}` };
    info(
      deps,
      `snapshot ${target.name} already exists for ${target.sha.slice(0, 7)} (${reused}): a run that stopped took it; using it`,
    );
  }
  let last = '';
  const done = await pollUntil(poll, left(), async () => {
    const snap = await retryTransient(poll, 'snapshot status', () => db.describeSnapshot(target.name));
    if (snap && snap.status !== last) {
      last = snap.status;
      if (snap.status !== 'available') info(deps, `snapshot ${target.name}: ${snap.status}`);
    }
    return snap && (snap.status === 'available' || snap.status === 'failed') ? snap.status : undefined;
  });
  if (done !== 'available') {
    return {
      ok: false,
      id: target.name,
      reason: `snapshot ${target.name} ${done === 'failed' ? 'failed' : 'was not available in time (it may still complete)'}`,
    };
  }
  await applyRetention(deps, target);
  return { ok: true, id: target.name };
}

/**
 * A snapshot with this run's id exists: a run of the same SHA, killed in the same
 * second, took it. It is ours to use if ferry made it for this environment and
 * SHA and it is on its way to (or at) available.
 */
async function reusable(
  deps: Deps,
  target: { name: string; env: string; sha: string },
): Promise<string | undefined> {
  const snap = await deps.ports.database.describeSnapshot(target.name).catch(() => undefined);
  const ours =
    snap?.tags[TAG_MANAGED] === 'true' &&
    snap.tags[TAG_ENV] === target.env &&
    snap.tags[TAG_SHA] === target.sha;
  return ours && (snap.status === 'available' || snap.status === 'creating') ? snap.status : undefined;
}

/** Deletes ferry's own old snapshots; a failure here is a warning, never a failed release. */
async function applyRetention(
  deps: Deps,
  target: { database: string; env: string; keep: number },
): Promise<void> {
  const db = deps.ports.database;
  try {
    const all = await retryTransient(pollContext(deps), 'list snapshots', () =>
      db.listSnapshots(target.database),
    );
    for (const old of snapshotsToDelete(all, target.env, target.keep)) {
      await db.deleteSnapshot(old.id);
      info(deps, `deleted old ferry snapshot ${old.id} (keeping the newest ${target.keep})`);
    }
  } catch (err) {
    if (deps.signal.aborted) throw err;
    warn(deps, `snapshot retention skipped: ${err instanceof Error ? err.message : String(err)}`);
  }
}
