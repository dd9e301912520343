/** `ferry lock release`: which lock a person may break by hand, and that a dry run breaks none. */
import { describe, expect, it } from 'vitest';
import type { LockValue } from '../../../src/pipeline/lock.ts';
import { decideHandRelease, releaseByHand, viewLock } from '../../../src/pipeline/lock-release.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';

const NAME = '/ferry/shop/staging/lock';
const WHERE = { app: 'shop', env: 'staging' };
const NOW = new Date('2026-03-04T05:06:07Z');
const holder = (expiresAt: string): LockValue => ({
  owner: 'ci@runner',
  runId: 'run-1',
  sha: 'a'.repeat(40),
  acquiredAt: '2026-03-04T04:00:00Z',
  expiresAt,
});
const live = holder('2026-03-04T05:30:00Z');
const expired = holder('2026-03-04T05:00:00Z');

describe('decideHandRelease', () => {
  it.each([
    ['no lock at all', false, undefined, false, { kind: 'free' }],
    ['an unreadable value', true, undefined, false, { kind: 'break', holder: undefined, live: false }],
    ['an expired lock', true, expired, false, { kind: 'break', holder: expired, live: false }],
    ['a live lock without --force', true, live, false, { kind: 'refused', holder: live }],
    ['a live lock with --force', true, live, true, { kind: 'break', holder: live, live: true }],
  ] as const)('%s', (_, present, found, force, expected) => {
    expect(decideHandRelease(present, found, NOW, force)).toEqual(expected);
  });
});

describe('releaseByHand', () => {
  function store(value?: string) {
    const params = new FakeParameters([], new FakeClock(NOW.getTime()), new Faults());
    if (value !== undefined) void params.put(NAME, value);
    return params;
  }
  const options = { now: () => NOW, force: false, dryRun: false };

  it('deletes an unreadable value: no run can renew it', async () => {
    const params = store('not json');
    expect(await releaseByHand(params, WHERE, options)).toEqual({
      kind: 'break',
      holder: undefined,
      live: false,
    });
    expect(await params.get(NAME)).toBeUndefined();
  });

  it('leaves a live lock without --force, and an expired one in a dry run', async () => {
    const held = store(JSON.stringify(live));
    expect((await releaseByHand(held, WHERE, options)).kind).toBe('refused');
    expect(await held.get(NAME)).toBeDefined();
    const old = store(JSON.stringify(expired));
    expect((await releaseByHand(old, WHERE, { ...options, dryRun: true })).kind).toBe('break');
    expect(await old.get(NAME)).toBeDefined();
  });

  it('shows the holder and whether it expired', async () => {
    expect(await viewLock(store(JSON.stringify(expired)), WHERE, NOW)).toEqual({
      held: true,
      holder: expired,
      expired: true,
    });
    expect(await viewLock(store(), WHERE, NOW)).toEqual({ held: false });
  });
});
