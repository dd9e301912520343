/** The lease: renewed in the background, checked before each change, lost for good once lost. */
import { describe, expect, it } from 'vitest';
import { Lease, LockLostError } from '../../../src/pipeline/lease.ts';
import { acquireLock, type LockValue } from '../../../src/pipeline/lock.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';

const NAME = '/ferry/shop/staging/lock';
const WHERE = { app: 'shop', env: 'staging' };
const TTL = 60_000;

async function leased() {
  const clock = new FakeClock();
  const faults = new Faults();
  const params = new FakeParameters([], clock, faults);
  const got = await acquireLock(params, clock, WHERE, {
    owner: 'a@ci',
    runId: 'run-a',
    sha: 'a'.repeat(40),
    ttlMs: TTL,
  });
  const warnings: string[] = [];
  const lease = new Lease(params, clock, WHERE, (got as { value: LockValue }).value, TTL, (m) =>
    warnings.push(m),
  );
  const expiry = () => Date.parse((params.json(NAME) as LockValue).expiresAt);
  const tick = () => new Promise((r) => setImmediate(r));
  return { clock, faults, params, lease, warnings, expiry, tick };
}

describe('Lease', () => {
  it('survives a failed renewal with a warning, and renews at the next tick', async () => {
    const l = await leased();
    l.lease.startRenewing();
    l.faults.inject('PutParameter', new Error('SSM down'));
    l.clock.advance(TTL / 5);
    await l.tick();
    await l.tick();
    expect(l.warnings).toEqual(['could not renew the lock: SSM down']);
    const before = l.expiry();
    l.clock.advance(TTL / 5);
    await l.tick();
    await l.tick();
    expect(l.expiry()).toBe(l.clock.now().getTime() + TTL);
    expect(l.expiry()).toBeGreaterThan(before);
    await l.lease.stopRenewing();
    const stopped = l.expiry();
    l.clock.advance(TTL);
    await l.tick();
    expect(l.expiry()).toBe(stopped);
  });

  it('starts renewing once only', async () => {
    const l = await leased();
    let puts = 0;
    const put = l.params.put.bind(l.params);
    l.params.put = async (n, v) => {
      puts += 1;
      return put(n, v);
    };
    l.lease.startRenewing();
    l.lease.startRenewing();
    l.clock.advance(TTL / 5);
    await l.tick();
    await l.tick();
    expect(puts).toBe(1);
    await l.lease.stopRenewing();
  });

  it('does not renew a lock that is no longer its own, and fails every later check', async () => {
    const l = await leased();
    await l.params.delete(NAME);
    await l.lease.renew();
    expect(l.params.values.has(NAME)).toBe(false);
    expect(l.lease.lost).toBe('it was released by someone else (ferry lock release --force?)');
    await expect(l.lease.check()).rejects.toBeInstanceOf(LockLostError);
    await expect(l.lease.check()).rejects.toThrow(
      'lost the lock: it was released by someone else (ferry lock release --force?); stopped before the next change',
    );
    expect(await l.lease.release()).toBe('not-ours');
  });

  it('checks without renewing while more than half the TTL is left', async () => {
    const l = await leased();
    const start = l.expiry();
    l.clock.advance(TTL / 2 - 1);
    await l.lease.check();
    expect(l.expiry()).toBe(start);
    l.clock.advance(2);
    await l.lease.check();
    expect(l.expiry()).toBe(l.clock.now().getTime() + TTL);
  });

  it('is lost once its lock expired on its own clock, and releases nothing then', async () => {
    const l = await leased();
    l.clock.advance(TTL);
    await l.lease.renew();
    expect(l.lease.lost).toMatch(/^it expired at .* before it could be renewed$/);
    expect(await l.lease.release()).toBe('not-ours');
    expect(l.params.values.has(NAME)).toBe(true);
  });
});
