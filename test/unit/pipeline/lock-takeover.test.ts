import { describe, expect, it } from 'vitest';
import { Lease, LockLostError } from '../../../src/pipeline/lease.ts';
import { acquireLock, type LockValue, SKEW_MARGIN_MS } from '../../../src/pipeline/lock.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';

const NAME = '/ferry/shop/staging/lock';
const WHERE = { app: 'shop', env: 'staging' };
const who = (runId: string) => ({ owner: `${runId}@ci`, runId, sha: 'a'.repeat(40), ttlMs: 60_000 });

const lock = (runId: string, expiresAt: string): LockValue => ({
  owner: `${runId}@ci`,
  runId,
  sha: 'b'.repeat(40),
  acquiredAt: '2026-03-04T00:00:00.000Z',
  expiresAt,
});

function store(initial?: LockValue) {
  const clock = new FakeClock(Date.parse('2026-03-04T05:06:07Z'));
  const params = new FakeParameters([], clock, new Faults());
  if (initial) void params.put(NAME, JSON.stringify(initial));
  return { clock, params, holder: () => params.json(NAME) as LockValue | undefined };
}

describe('taking over an expired lock', () => {
  const expired = lock('dead-run', '2026-03-04T05:00:00.000Z');

  it('takes over a lock expired by more than the skew margin, and says whose it was', async () => {
    const s = store(expired);
    const outcome = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(outcome).toMatchObject({ acquired: true, tookOver: { runId: 'dead-run' } });
    expect(s.holder()?.runId).toBe('run-a');
  });

  it('does not take over a lock expired by less than the skew margin (clocks may be that far apart)', async () => {
    const s = store(
      lock('slow-run', new Date(Date.parse('2026-03-04T05:06:07Z') - SKEW_MARGIN_MS + 1000).toISOString()),
    );
    const outcome = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(outcome).toMatchObject({ acquired: false, holder: { runId: 'slow-run' } });
  });

  it('lets only one of two runs that both read the same expired lock take it over', async () => {
    const s = store(expired);
    const [a, b] = await Promise.all([
      acquireLock(s.params, s.clock, WHERE, who('run-a')),
      acquireLock(s.params, s.clock, WHERE, who('run-b')),
    ]);
    expect([a.acquired, b.acquired].sort()).toEqual([false, true]);
  });

  it('gives up when its claim succeeds but the lock has changed hands since it read it (a stalled run)', async () => {
    const s = store(expired);
    // B took over and finished (releasing its lock and claim) while A was stalled.
    const b = await acquireLock(s.params, s.clock, WHERE, who('run-b'));
    const lease = new Lease(s.params, s.clock, WHERE, (b as { value: LockValue }).value, 60_000);
    expect(await lease.release()).toBe('released');
    const c = await acquireLock(s.params, s.clock, WHERE, who('run-c'));
    expect(c.acquired).toBe(true);
    // A now acts on its old read of the expired lock: the claim is free again, but the lock is C's.
    const original = s.params.get.bind(s.params);
    let first = true;
    s.params.get = async (name: string) => {
      if (name === NAME && first) {
        first = false;
        return { value: JSON.stringify(expired), version: 1 };
      }
      return original(name);
    };
    s.params.putIfAbsent = (
      (put) => async (name: string, value: string) =>
        name === NAME ? false : put(name, value)
    )(s.params.putIfAbsent.bind(s.params));
    const a = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(a).toMatchObject({ acquired: false, holder: { runId: 'run-c' } });
    expect(s.holder()?.runId).toBe('run-c');
  });

  it('frees its claim when writing the lock fails, so that the next run can take over', async () => {
    const s = store(expired);
    const put = s.params.put.bind(s.params);
    s.params.put = async () => {
      throw Object.assign(new Error('Internal'), { name: 'InternalFailure', $fault: 'server' });
    };
    await expect(acquireLock(s.params, s.clock, WHERE, who('run-a'))).rejects.toThrow(/Internal/);
    s.params.put = put;
    const b = await acquireLock(s.params, s.clock, WHERE, who('run-b'));
    expect(b).toMatchObject({ acquired: true, tookOver: { runId: 'dead-run' } });
  });
});

describe('a live lock', () => {
  it('is never taken over', async () => {
    const live = lock('run-b', '2026-03-04T07:00:00.000Z');
    const s = store(live);
    const outcome = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(outcome).toEqual({ acquired: false, holder: live });
    expect(s.holder()).toEqual(live);
  });
});

describe('the lease', () => {
  it("renews at a checkpoint once half the TTL is gone, and fails the check once the lock is someone else's", async () => {
    const s = store();
    const got = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    const lease = new Lease(s.params, s.clock, WHERE, (got as { value: LockValue }).value, 60_000);
    s.clock.advance(40_000);
    await lease.check();
    expect(Date.parse(s.holder()!.expiresAt)).toBe(s.clock.now().getTime() + 60_000);
    await s.params.put(NAME, JSON.stringify(lock('thief', '2026-03-05T00:00:00.000Z')));
    await expect(lease.check()).rejects.toBeInstanceOf(LockLostError);
    expect(await lease.release()).toBe('not-ours');
    expect(s.holder()?.runId).toBe('thief');
  });

  it('does not renew, nor release, a lock that expired on its own clock', async () => {
    const s = store();
    const got = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    const lease = new Lease(s.params, s.clock, WHERE, (got as { value: LockValue }).value, 60_000);
    s.clock.advance(61_000);
    await expect(lease.check()).rejects.toThrow(/expired/);
    expect(await lease.release()).toBe('not-ours');
    expect(s.holder()?.runId).toBe('run-a');
  });
});
