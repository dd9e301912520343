import { describe, expect, it } from 'vitest';
import { acquireLock, type LockValue } from '../../../src/pipeline/lock.ts';
import type { ParameterStore } from '../../../src/pipeline/ports.ts';
import { FakeClock } from '../../support/fakes.ts';

const who = { owner: 'alice@laptop', runId: 'run-a', sha: 'a'.repeat(40), ttlMs: 60_000 };

const lock = (runId: string, expiresAt: string): LockValue => ({
  owner: `${runId}@ci`,
  runId,
  sha: 'b'.repeat(40),
  acquiredAt: '2026-03-04T00:00:00.000Z',
  expiresAt,
});

/** One SSM parameter with versions; `beforeGet` lets a test act as another run between our calls. */
function store(initial: LockValue, beforeGet: (n: number, s: ReturnType<typeof store>) => void = () => {}) {
  let current: { value: string; version: number } | undefined = {
    value: JSON.stringify(initial),
    version: 1,
  };
  let gets = 0;
  const calls: string[] = [];
  const self = {
    calls,
    current: () => current,
    write(value: LockValue) {
      current = { value: JSON.stringify(value), version: (current?.version ?? 0) + 1 };
    },
    params: {
      async get() {
        calls.push('get');
        beforeGet(++gets, self);
        return current;
      },
      async putIfAbsent(_name: string, value: string) {
        calls.push('putIfAbsent');
        if (current) return false;
        current = { value, version: 1 };
        return true;
      },
      async put() {
        throw new Error('not used');
      },
      async delete() {
        calls.push('delete');
        current = undefined;
      },
      async history() {
        return [];
      },
    } satisfies ParameterStore,
  };
  return self;
}

describe('taking over an expired lock', () => {
  const clock = new FakeClock(Date.parse('2026-03-04T05:06:07Z'));
  const expired = lock('dead-run', '2026-03-04T05:00:00.000Z');

  it('takes over a lock whose holder expired, and says whose it was', async () => {
    const s = store(expired);
    const outcome = await acquireLock(s.params, clock, { app: 'shop', env: 'staging' }, who);
    expect(outcome).toMatchObject({ acquired: true, tookOver: { runId: 'dead-run' } });
    expect(JSON.parse(s.current()!.value).runId).toBe('run-a');
  });

  it('backs off without deleting when another run took the lock over between our read and our delete', async () => {
    const rival = lock('run-b', '2026-03-04T06:00:00.000Z');
    // Run B takes over right after our first read of the expired lock.
    const s = store(expired, (n, self) => {
      if (n === 2) self.write(rival);
    });
    const outcome = await acquireLock(s.params, clock, { app: 'shop', env: 'staging' }, who);
    expect(outcome).toEqual({ acquired: false, holder: rival });
    expect(s.calls).not.toContain('delete');
    expect(JSON.parse(s.current()!.value).runId).toBe('run-b');
  });
});

describe('a live lock', () => {
  it('is never taken over', async () => {
    const clock = new FakeClock(Date.parse('2026-03-04T05:06:07Z'));
    const live = lock('run-b', '2026-03-04T07:00:00.000Z');
    const s = store(live);
    const outcome = await acquireLock(s.params, clock, { app: 'shop', env: 'staging' }, who);
    expect(outcome).toEqual({ acquired: false, holder: live });
    expect(s.calls).not.toContain('delete');
  });
});
