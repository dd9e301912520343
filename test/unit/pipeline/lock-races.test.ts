/** The lock under races: released between two calls, claims, and names built from run ids. */
import { describe, expect, it } from 'vitest';
import { acquireLock, type LockValue, parseLock, releaseLock } from '../../../src/pipeline/lock.ts';
import {
  descriptorParameter,
  ledgerParameter,
  lockParameter,
  takeoverClaimParameter,
} from '../../../src/pipeline/resource-names.ts';
import { FakeClock, FakeParameters, Faults } from '../../support/fakes.ts';

const NAME = '/ferry/shop/staging/lock';
const WHERE = { app: 'shop', env: 'staging' };
const who = (runId: string) => ({ owner: `${runId}@ci`, runId, sha: 'a'.repeat(40), ttlMs: 60_000 });

describe('acquireLock races', () => {
  it('takes a lock released between its two calls, and reports the winner when another run was faster', async () => {
    const clock = new FakeClock();
    const params = new FakeParameters([], clock, new Faults());
    await params.put(
      NAME,
      JSON.stringify({ ...who('other'), acquiredAt: 'x', expiresAt: '2099-01-01T00:00:00.000Z' }),
    );
    // Our create fails (it exists), then the holder releases before we read it.
    const get = params.get.bind(params);
    let gets = 0;
    params.get = async (name) => {
      if (name === NAME && ++gets === 1) await params.delete(NAME);
      return get(name);
    };
    const outcome = await acquireLock(params, clock, WHERE, who('run-a'));
    expect(outcome).toMatchObject({ acquired: true, value: { runId: 'run-a' } });
    expect((params.json(NAME) as LockValue).runId).toBe('run-a');

    // The same, but a third run takes it first.
    const p2 = new FakeParameters([], clock, new Faults());
    await p2.put(
      NAME,
      JSON.stringify({ ...who('other'), acquiredAt: 'x', expiresAt: '2099-01-01T00:00:00.000Z' }),
    );
    const get2 = p2.get.bind(p2);
    let gets2 = 0;
    p2.get = async (name) => {
      if (name === NAME && ++gets2 === 1) {
        await p2.delete(NAME);
        await p2.put(
          NAME,
          JSON.stringify({ ...who('third'), acquiredAt: 'x', expiresAt: '2099-01-01T00:00:00.000Z' }),
        );
        return undefined;
      }
      return get2(name);
    };
    expect(await acquireLock(p2, clock, WHERE, who('run-a'))).toMatchObject({
      acquired: false,
      holder: { runId: 'third' },
    });
  });

  it('refuses an unreadable lock rather than take it over', async () => {
    const clock = new FakeClock();
    const params = new FakeParameters([], clock, new Faults());
    await params.put(NAME, 'garbage');
    expect(await acquireLock(params, clock, WHERE, who('run-a'))).toEqual({
      acquired: false,
      holder: undefined,
    });
    expect(parseLock('null')).toBeUndefined();
  });

  it('deletes the takeover claim it won when it releases the lock', async () => {
    const clock = new FakeClock();
    const params = new FakeParameters([], clock, new Faults());
    await params.put(
      NAME,
      JSON.stringify({ ...who('dead'), acquiredAt: 'x', expiresAt: '2000-01-01T00:00:00.000Z' }),
    );
    await acquireLock(params, clock, WHERE, who('run-a'));
    const claim = takeoverClaimParameter('shop', 'staging', 'dead');
    expect(params.values.has(claim)).toBe(true);
    expect(await releaseLock(params, clock, WHERE, 'run-a')).toBe('released');
    expect(params.values.has(claim)).toBe(false);
    expect(params.values.has(NAME)).toBe(false);
  });
});

describe('parameter names', () => {
  it('are under /ferry/<app>/<env>/, with run ids made safe for a claim name', () => {
    expect(lockParameter('shop', 'staging')).toBe('/ferry/shop/staging/lock');
    expect(ledgerParameter('shop', 'staging')).toBe('/ferry/shop/staging/releases');
    expect(descriptorParameter('shop', 'staging')).toBe('/ferry/shop/staging/descriptor');
    expect(takeoverClaimParameter('shop', 'staging', 'gh:123/4 a.b-c')).toBe(
      '/ferry/shop/staging/lock-takeover/gh_123_4_a.b-c',
    );
  });
});
