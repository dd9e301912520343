import type { DbSnapshot } from './ports.ts';
import { TAG_ENV, TAG_MANAGED } from './resource-names.ts';

/**
 * Which snapshots retention deletes: only ones ferry made for this environment
 * (tagged ferry:managed=true and named ferry-<env>-...), beyond the newest `keep`.
 * A snapshot anyone else made is never touched, whatever its name.
 */
export function snapshotsToDelete(snapshots: DbSnapshot[], env: string, keep: number): DbSnapshot[] {
  const ours = snapshots
    .filter((s) => s.tags[TAG_MANAGED] === 'true' && s.id.startsWith(`ferry-${env}-`))
    .filter((s) => (s.tags[TAG_ENV] ?? env) === env)
    .sort((a, b) => compareNewestFirst(a, b));
  return ours.slice(keep).filter((s) => s.status === 'available');
}

/** A snapshot still being created has no time yet: it is the newest. */
function createdAt(s: DbSnapshot): number {
  return s.createdAt ? s.createdAt.getTime() : Number.POSITIVE_INFINITY;
}

function compareNewestFirst(a: DbSnapshot, b: DbSnapshot): number {
  const ta = createdAt(a);
  const tb = createdAt(b);
  if (ta !== tb) return ta < tb ? 1 : -1;
  return b.id.localeCompare(a.id);
}
