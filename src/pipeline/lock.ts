/**
 * The environment's deploy lock (DESIGN.md): SSM `/ferry/<app>/<env>/lock`,
 * created with Overwrite=false so that exactly one run gets it.
 */
import { lockParameter } from './names.ts';
import type { Clock, ParameterStore } from './ports.ts';

export interface LockValue {
  owner: string;
  runId: string;
  sha: string;
  acquiredAt: string;
  expiresAt: string;
}

export type LockOutcome =
  | { acquired: true; value: LockValue; tookOver?: LockValue }
  | { acquired: false; holder: LockValue | undefined };

export function parseLock(text: string): LockValue | undefined {
  try {
    const v = JSON.parse(text) as LockValue;
    return typeof v?.runId === 'string' && typeof v.expiresAt === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

export function isExpired(lock: LockValue, now: Date): boolean {
  const expires = Date.parse(lock.expiresAt);
  return Number.isFinite(expires) && expires <= now.getTime();
}

export async function acquireLock(
  params: ParameterStore,
  clock: Clock,
  where: { app: string; env: string },
  who: { owner: string; runId: string; sha: string; ttlMs: number },
): Promise<LockOutcome> {
  const name = lockParameter(where.app, where.env);
  const now = clock.now();
  const value: LockValue = {
    owner: who.owner,
    runId: who.runId,
    sha: who.sha,
    acquiredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + who.ttlMs).toISOString(),
  };
  const text = JSON.stringify(value);
  if (await params.putIfAbsent(name, text)) return { acquired: true, value };
  const existing = await params.get(name);
  if (!existing) {
    // Released between our two calls: one more atomic attempt.
    return (await params.putIfAbsent(name, text))
      ? { acquired: true, value }
      : { acquired: false, holder: undefined };
  }
  const holder = parseLock(existing.value);
  if (!holder || !isExpired(holder, now)) return { acquired: false, holder };
  // Expired: delete and create again, still atomically. SSM has no compare-and-delete, so first
  // check the expired version is still there: another run may have just taken it over, and
  // deleting its fresh lock would let both runs deploy.
  const again = await params.get(name);
  if (again && again.version !== existing.version) return { acquired: false, holder: parseLock(again.value) };
  await params.delete(name);
  if (!(await params.putIfAbsent(name, text)))
    return { acquired: false, holder: await readLock(params, where) };
  return { acquired: true, value, tookOver: holder };
}

export async function readLock(
  params: ParameterStore,
  where: { app: string; env: string },
): Promise<LockValue | undefined> {
  const existing = await params.get(lockParameter(where.app, where.env));
  return existing ? parseLock(existing.value) : undefined;
}

/** Releases the lock only if it is still ours (another run may have taken over an expired one). */
export async function releaseLock(
  params: ParameterStore,
  where: { app: string; env: string },
  runId: string,
): Promise<boolean> {
  const current = await readLock(params, where);
  if (current?.runId !== runId) return false;
  await params.delete(lockParameter(where.app, where.env));
  return true;
}

export function describeHolder(holder: LockValue | undefined): string {
  if (!holder) return 'an unreadable lock value';
  return `${holder.owner} since ${holder.acquiredAt} for SHA ${holder.sha} (run ${holder.runId}, expires ${holder.expiresAt})`;
}
