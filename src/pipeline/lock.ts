/**
 * The environment's deploy lock: SSM `/ferry/<app>/<env>/lock` holds the
 * holder's record, so `ferry lock status` can show it.
 *
 * SSM has no compare-and-swap and no compare-and-delete, and a parameter that is
 * deleted and created again starts at Version 1 again, so neither a version nor
 * a read-then-write can make a takeover exclusive. The only atomic step is
 * PutParameter with Overwrite=false. So:
 *
 * - a free lock is taken by creating it (Overwrite=false);
 * - an expired lock is taken over only by the run that creates the claim
 *   `/ferry/<app>/<env>/lock-takeover/<runId of the expired holder>`
 *   (Overwrite=false), which one run alone can do. The winner reads the lock
 *   again and overwrites it only if it still names that same expired holder:
 *   run ids are never reused, so a run that stalled for any length of time
 *   after reading the lock cannot take over a lock that has changed hands since;
 * - "expired" means expired by more than SKEW_MARGIN_MS on the reader's clock,
 *   and the holder itself stops renewing (and stops making changes) once its
 *   own clock passes the expiry: with clocks at most SKEW_MARGIN_MS apart, the
 *   holder has given the lock up before anyone may take it over.
 */

import type { Clock, ParameterStore } from './ports.ts';
import { lockParameter, takeoverClaimParameter } from './resource-names.ts';

/** Clock skew between runners that the lock tolerates. */
export const SKEW_MARGIN_MS = 2 * 60_000;

export interface LockValue {
  owner: string;
  runId: string;
  sha: string;
  acquiredAt: string;
  expiresAt: string;
  /** Set on a takeover: the run id of the expired holder, whose claim the new holder keeps. */
  tookOverFrom?: string;
}

export type LockOutcome =
  | { acquired: true; value: LockValue; tookOver?: LockValue }
  | { acquired: false; holder: LockValue | undefined; claimedBy?: LockValue };

type Where = { app: string; env: string };

export function parseLock(text: string): LockValue | undefined {
  try {
    const v = JSON.parse(text) as LockValue;
    return typeof v?.runId === 'string' && typeof v.expiresAt === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Past its expiry on this clock (what the holder itself judges by). */
export function isExpired(lock: LockValue, now: Date): boolean {
  const expires = Date.parse(lock.expiresAt);
  return Number.isFinite(expires) && expires <= now.getTime();
}

/** Expired by more than the skew margin: only then may another run take it over. */
export function isTakeoverable(lock: LockValue, now: Date): boolean {
  const expires = Date.parse(lock.expiresAt);
  return Number.isFinite(expires) && expires + SKEW_MARGIN_MS <= now.getTime();
}

export function lockValue(who: { owner: string; runId: string; sha: string }, now: Date, ttlMs: number) {
  return {
    owner: who.owner,
    runId: who.runId,
    sha: who.sha,
    acquiredAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
  } satisfies LockValue;
}

export async function acquireLock(
  params: ParameterStore,
  clock: Clock,
  where: Where,
  who: { owner: string; runId: string; sha: string; ttlMs: number },
): Promise<LockOutcome> {
  const name = lockParameter(where.app, where.env);
  const value: LockValue = lockValue(who, clock.now(), who.ttlMs);
  if (await params.putIfAbsent(name, JSON.stringify(value))) return { acquired: true, value };
  const existing = await params.get(name);
  if (!existing) {
    // Released between our two calls: one more atomic attempt.
    return (await params.putIfAbsent(name, JSON.stringify(value)))
      ? { acquired: true, value }
      : { acquired: false, holder: await readLock(params, where) };
  }
  const holder = parseLock(existing.value);
  if (!holder || !isTakeoverable(holder, clock.now())) return { acquired: false, holder };

  const claim = takeoverClaimParameter(where.app, where.env, holder.runId);
  const taking: LockValue = { ...lockValue(who, clock.now(), who.ttlMs), tookOverFrom: holder.runId };
  if (!(await params.putIfAbsent(claim, JSON.stringify(taking)))) {
    const rival = await params.get(claim);
    return { acquired: false, holder, ...(rival ? { claimedBy: parseLock(rival.value) } : {}) };
  }
  // The claim is ours. Our read of the lock may be old (a stalled run): take over only
  // if it still names the same expired holder, which nobody but us can now replace.
  const current = await params.get(name);
  const still = current ? parseLock(current.value) : undefined;
  if (still?.runId !== holder.runId) {
    await params.delete(claim);
    return { acquired: false, holder: still };
  }
  try {
    await params.put(name, JSON.stringify(taking));
  } catch (err) {
    // Free the claim again, or the expired lock could only be broken by hand.
    await params.delete(claim).catch(() => {});
    throw err;
  }
  return { acquired: true, value: taking, tookOver: holder };
}

export async function readLock(params: ParameterStore, where: Where): Promise<LockValue | undefined> {
  const existing = await params.get(lockParameter(where.app, where.env));
  return existing ? parseLock(existing.value) : undefined;
}

/**
 * Deletes the lock only while it is still ours and unexpired on our clock (once
 * expired, another run may be taking it over: leave it to that run). Also
 * deletes the takeover claim this run won, if any.
 */
export async function releaseLock(
  params: ParameterStore,
  clock: Clock,
  where: Where,
  runId: string,
): Promise<'released' | 'not-ours' | 'expired'> {
  const current = await readLock(params, where);
  if (current?.runId !== runId) return 'not-ours';
  if (isExpired(current, clock.now())) return 'expired';
  await params.delete(lockParameter(where.app, where.env));
  if (current.tookOverFrom)
    await params.delete(takeoverClaimParameter(where.app, where.env, current.tookOverFrom)).catch(() => {});
  return 'released';
}

export function describeHolder(holder: LockValue | undefined): string {
  if (!holder) return 'an unreadable lock value';
  return `${holder.owner} since ${holder.acquiredAt} for SHA ${holder.sha} (run ${holder.runId}, expires ${holder.expiresAt})`;
}
