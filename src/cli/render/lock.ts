/** `ferry lock` on a terminal: who holds the lock, and what a release did or would do. */
import { describeHolder } from '../../pipeline/lock.ts';
import type { HandRelease, LockView } from '../../pipeline/lock-release.ts';

export function renderLockView(env: string, view: LockView): string {
  return view.holder
    ? `${env}: locked by ${describeHolder(view.holder)}${view.expired ? ' (expired)' : ''}`
    : `${env}: not locked`;
}

export function renderHandRelease(
  env: string,
  release: Exclude<HandRelease, { kind: 'refused' }>,
  dryRun: boolean,
): string {
  if (release.kind === 'free') return `${env}: not locked; nothing to release`;
  if (dryRun) {
    return `${env}: would release the lock held by ${describeHolder(release.holder)} (dry run: nothing was changed)`;
  }
  const held = release.holder ? ` held by ${describeHolder(release.holder)}` : '';
  return `${env}: released the ${release.live ? 'live ' : ''}lock${held}`;
}
