/**
 * `ferry lock status|release`: what a person sees of the deploy lock and may
 * break by hand, after a deploy died without releasing it. An expired lock
 * goes at once; a live one only when forced, as its holder may still be
 * deploying; an unreadable value counts as expired (no run can renew it).
 */
import { isExpired, type LockValue, readLock } from './lock.ts';
import type { ParameterStore } from './ports.ts';
import { lockParameter } from './resource-names.ts';

type Where = { app: string; env: string };

export interface LockView {
  held: boolean;
  holder?: LockValue;
  expired?: boolean;
}

export async function viewLock(params: ParameterStore, where: Where, now: Date): Promise<LockView> {
  const holder = await readLock(params, where);
  return { held: Boolean(holder), ...(holder ? { holder, expired: isExpired(holder, now) } : {}) };
}

export type HandRelease =
  | { kind: 'free' }
  | { kind: 'refused'; holder: LockValue }
  | { kind: 'break'; holder: LockValue | undefined; live: boolean };

/** The decision alone: `present` says whether the parameter exists, `holder` what of it could be read. */
export function decideHandRelease(
  present: boolean,
  holder: LockValue | undefined,
  now: Date,
  force: boolean,
): HandRelease {
  if (!present && !holder) return { kind: 'free' };
  const live = holder !== undefined && !isExpired(holder, now);
  if (live && !force) return { kind: 'refused', holder };
  return { kind: 'break', holder, live };
}

/** Reads the lock, decides, and deletes it when the decision is to break it (unless a dry run). */
export async function releaseByHand(
  params: ParameterStore,
  where: Where,
  options: { now: () => Date; force: boolean; dryRun: boolean },
): Promise<HandRelease> {
  const name = lockParameter(where.app, where.env);
  const holder = await readLock(params, where);
  // Only an unreadable value needs the second read: a readable one is there.
  const present = holder !== undefined || (await params.get(name)) !== undefined;
  const decision = decideHandRelease(present, holder, options.now(), options.force);
  if (decision.kind === 'break' && !options.dryRun) await params.delete(name);
  return decision;
}
