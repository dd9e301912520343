/** The expiry ferry writes into its lock, and how every reader judges it. */
import { describe, expect, it } from 'vitest';
import { Lease } from '../../../src/pipeline/lease.ts';
import {
  acquireLock,
  describeHolder,
  isExpired,
  isTakeoverable,
  type LockValue,
  parseLock,
  readLock,
  releaseLock,
  SKEW_MARGIN_MS,
} from '../../../src/pipeline/lock.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { DEFAULT_LOCK_TTL_MS } from '../../../src/pipeline/wrap-up.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';
import { NEW_SHA, releaseFixture } from '../../support/fakes-release.ts';

const NAME = '/ferry/shop/staging/lock';
const WHERE = { app: 'shop', env: 'staging' };
const START = Date.parse('2026-03-04T05:06:07Z');
const TTL = 60_000;
const who = (runId: string) => ({ owner: `${runId}@ci`, runId, sha: 'a'.repeat(40), ttlMs: TTL });
const iso = (ms: number) => new Date(ms).toISOString();

function store() {
  const clock = new FakeClock(START);
  const params = new FakeParameters([], clock, new Faults());
  return { clock, params, holder: () => params.json(NAME) as LockValue | undefined };
}

describe('the lock ferry writes', () => {
  it('is acquired now and expires one TTL from now', async () => {
    const s = store();
    const outcome = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    const expected = {
      owner: 'run-a@ci',
      runId: 'run-a',
      sha: 'a'.repeat(40),
      acquiredAt: iso(START),
      expiresAt: iso(START + TTL),
    };
    expect(outcome).toEqual({ acquired: true, value: expected });
    expect(s.holder()).toEqual(expected);
    expect(isExpired(s.holder()!, s.clock.now())).toBe(false);
  });

  it('on a takeover also expires one TTL from now, and names the run it took over from', async () => {
    const s = store();
    const dead: LockValue = {
      ...who('dead'),
      acquiredAt: iso(START - 3_600_000),
      expiresAt: iso(START - SKEW_MARGIN_MS - 1),
    };
    await s.params.put(NAME, JSON.stringify(dead));
    const outcome = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(outcome).toMatchObject({ acquired: true, tookOver: { runId: 'dead' } });
    expect(s.holder()).toMatchObject({
      runId: 'run-a',
      acquiredAt: iso(START),
      expiresAt: iso(START + TTL),
      tookOverFrom: 'dead',
    });
    expect(s.params.json('/ferry/shop/staging/lock-takeover/dead')).toMatchObject({
      runId: 'run-a',
      expiresAt: iso(START + TTL),
    });
  });

  it('is renewed to one TTL from the renewal', async () => {
    const s = store();
    const got = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    const lease = new Lease(s.params, s.clock, WHERE, (got as { value: LockValue }).value, TTL);
    s.clock.advance(10_000);
    await lease.renew();
    expect(s.holder()!.expiresAt).toBe(iso(START + 10_000 + TTL));
    expect(lease.value.expiresAt).toBe(iso(START + 10_000 + TTL));
    // Still well within the TTL: the fencing check neither renews nor fails.
    s.clock.advance(1000);
    await lease.check();
    expect(s.holder()!.expiresAt).toBe(iso(START + 10_000 + TTL));
  });

  it('renews in the background, a fifth of the TTL apart', async () => {
    const s = store();
    const got = await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    const lease = new Lease(s.params, s.clock, WHERE, (got as { value: LockValue }).value, TTL);
    lease.startRenewing();
    s.clock.advance(TTL / 5 - 1);
    await new Promise((r) => setImmediate(r));
    expect(s.holder()!.expiresAt).toBe(iso(START + TTL));
    s.clock.advance(1);
    await lease.stopRenewing();
    expect(s.holder()!.expiresAt).toBe(iso(START + TTL / 5 + TTL));
    expect(await lease.release()).toBe('released');
    expect(s.holder()).toBeUndefined();
  });

  it('of a real run expires the default TTL after it was taken, and is gone afterwards', async () => {
    const f = releaseFixture();
    let seen: LockValue | undefined;
    f.ecs.onDescribeService = () => {
      seen ??= parseLock(f.parameters.values.get(NAME)?.value ?? '');
    };
    // resolve runs before the lock: look once the rollout is being watched.
    const update = f.ecs.updateService.bind(f.ecs);
    f.ecs.updateService = async (...args) => {
      seen = parseLock(f.parameters.values.get(NAME)!.value);
      return update(...args);
    };
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(0);
    expect(seen).toMatchObject({ runId: 'run-1', sha: NEW_SHA, owner: 'alice@laptop' });
    expect(Date.parse(seen!.expiresAt) - Date.parse(seen!.acquiredAt)).toBeGreaterThanOrEqual(
      DEFAULT_LOCK_TTL_MS,
    );
    expect(f.parameters.values.has(NAME)).toBe(false);
  });
});

describe('judging a lock', () => {
  const value = (expiresAt: string): LockValue => ({ ...who('x'), acquiredAt: iso(START), expiresAt });

  it('is expired from its expiry on, and may be taken over only a skew margin later', () => {
    const lock = value(iso(START));
    expect(isExpired(lock, new Date(START - 1))).toBe(false);
    expect(isExpired(lock, new Date(START))).toBe(true);
    expect(isTakeoverable(lock, new Date(START + SKEW_MARGIN_MS - 1))).toBe(false);
    expect(isTakeoverable(lock, new Date(START + SKEW_MARGIN_MS))).toBe(true);
    // An unreadable expiry is never "expired": nobody may break it by accident.
    expect(isExpired(value('soon'), new Date(START))).toBe(false);
    expect(isTakeoverable(value('soon'), new Date(START + 10 * SKEW_MARGIN_MS))).toBe(false);
  });

  it('parses only lock records', () => {
    expect(parseLock('not json')).toBeUndefined();
    expect(parseLock('{"runId":1,"expiresAt":"x"}')).toBeUndefined();
    expect(parseLock('{"runId":"r"}')).toBeUndefined();
    expect(parseLock('{"runId":"r","expiresAt":"x"}')).toEqual({ runId: 'r', expiresAt: 'x' });
    expect(describeHolder(undefined)).toBe('an unreadable lock value');
    expect(describeHolder(value(iso(START)))).toBe(
      `x@ci since ${iso(START)} for SHA ${'a'.repeat(40)} (run x, expires ${iso(START)})`,
    );
  });

  it('is released only by its holder, and only before it expired', async () => {
    const s = store();
    await acquireLock(s.params, s.clock, WHERE, who('run-a'));
    expect(await releaseLock(s.params, s.clock, WHERE, 'run-b')).toBe('not-ours');
    s.clock.advance(TTL);
    expect(await releaseLock(s.params, s.clock, WHERE, 'run-a')).toBe('expired');
    expect(await readLock(s.params, WHERE)).toMatchObject({ runId: 'run-a' });
  });
});
