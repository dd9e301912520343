/** Step events and timings: what the terminal, --json and the ledger's step times are built from. */
import { describe, expect, it } from 'vitest';
import { debug, info, StepTimer, warn } from '../../../src/pipeline/context.ts';
import { fakeWorld } from '../../support/fakes.ts';

describe('StepTimer', () => {
  it('emits start and end with the elapsed time, and keeps each timing', async () => {
    const w = fakeWorld();
    const steps = new StepTimer(w.deps);
    const s = steps.start('snapshot');
    w.clock.advance(1500);
    s.done('snap-1');
    steps.skip('migrate', 'no migrate command');
    const v = steps.start('verify');
    w.clock.advance(20);
    v.skipped();
    expect(w.events).toEqual([
      { type: 'step', step: 'snapshot', status: 'start', elapsedMs: 0 },
      { type: 'step', step: 'snapshot', status: 'done', elapsedMs: 1500, detail: 'snap-1' },
      { type: 'step', step: 'migrate', status: 'skipped', elapsedMs: 0, detail: 'no migrate command' },
      { type: 'step', step: 'verify', status: 'start', elapsedMs: 0 },
      { type: 'step', step: 'verify', status: 'skipped', elapsedMs: 20 },
    ]);
    expect(steps.timings).toEqual([
      { name: 'snapshot', ms: 1500 },
      { name: 'migrate', ms: 0 },
      { name: 'verify', ms: 20 },
    ]);
  });

  it('marks a step that throws as failed with its message, and passes the error on', async () => {
    const w = fakeWorld();
    const steps = new StepTimer(w.deps);
    await expect(
      steps.run('register', async () => {
        w.clock.advance(7);
        throw new Error('no such family');
      }),
    ).rejects.toThrow('no such family');
    await expect(steps.run('resolve', () => Promise.reject('plain'))).rejects.toBe('plain');
    expect(
      await steps.run(
        'lock',
        async () => 42,
        (n) => `got ${n}`,
      ),
    ).toBe(42);
    expect(w.events.filter((e) => e.type === 'step' && e.status !== 'start')).toEqual([
      { type: 'step', step: 'register', status: 'failed', elapsedMs: 7, detail: 'no such family' },
      { type: 'step', step: 'resolve', status: 'failed', elapsedMs: 0, detail: 'plain' },
      { type: 'step', step: 'lock', status: 'done', elapsedMs: 0, detail: 'got 42' },
    ]);
  });

  it('logs at three levels', () => {
    const w = fakeWorld();
    info(w.deps, 'a');
    warn(w.deps, 'b');
    debug(w.deps, 'c');
    expect(w.events).toEqual([
      { type: 'log', level: 'info', message: 'a' },
      { type: 'log', level: 'warn', message: 'b' },
      { type: 'log', level: 'debug', message: 'c' },
    ]);
  });
});
