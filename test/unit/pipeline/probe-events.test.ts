/** What each health probe reports, and how long one probe may take. */
import { describe, expect, it } from 'vitest';
import { confirmDelay, probeVersion } from '../../../src/pipeline/verify.ts';
import { healthSettings, healthUrl } from '../../../src/pipeline/verify-release.ts';
import { fakeWorld } from '../../support/fakes.ts';
import { testConfig } from '../../support/fakes-release.ts';

const health = {
  path: '/health',
  expectStatus: 200,
  versionField: 'version',
  successes: 2,
  intervalMs: 1000,
  timeoutMs: 30_000,
};

function scripted(answers: ({ status: number; body: string } | { error: string })[], pollIntervalMs = 500) {
  const world = fakeWorld({ pollIntervalMs });
  const timeouts: number[] = [];
  let i = 0;
  world.deps.ports.http = {
    get: async (_url, timeoutMs) => {
      timeouts.push(timeoutMs);
      return answers[Math.min(i++, answers.length - 1)]!;
    },
  };
  return { world, timeouts };
}

describe('health probe events', () => {
  it('report status, version, the run of successes and what was wrong', async () => {
    const { world } = scripted([
      { status: 200, body: '{"version":"old"}' },
      { error: 'ECONNRESET' },
      { status: 200, body: '{"version":"new"}' },
      { status: 200, body: '{"version":"new"}' },
    ]);
    expect(await probeVersion(world.deps, 'http://x/health', 'new', health)).toEqual({ ok: true });
    expect(world.events).toEqual([
      {
        type: 'health',
        url: 'http://x/health',
        ok: false,
        status: 200,
        version: 'old',
        consecutive: 0,
        error: 'answered version old, expected new',
      },
      { type: 'health', url: 'http://x/health', ok: false, consecutive: 0, error: 'ECONNRESET' },
      { type: 'health', url: 'http://x/health', ok: true, status: 200, version: 'new', consecutive: 1 },
      { type: 'health', url: 'http://x/health', ok: true, status: 200, version: 'new', consecutive: 2 },
    ]);
  });

  it('gives each probe twice the interval, at most 10 s, never more than the whole timeout', async () => {
    const a = scripted([{ status: 200, body: '{"version":"v"}' }]);
    await probeVersion(a.world.deps, 'u', 'v', health);
    expect(a.timeouts).toEqual([2000, 2000]);
    const b = scripted([{ status: 200, body: '{"version":"v"}' }]);
    await probeVersion(b.world.deps, 'u', 'v', { ...health, intervalMs: 30_000, timeoutMs: 120_000 });
    expect(b.timeouts[0]).toBe(10_000);
    const c = scripted([{ status: 200, body: '{"version":"v"}' }]);
    await probeVersion(c.world.deps, 'u', 'v', { ...health, successes: 1, timeoutMs: 1500 });
    expect(c.timeouts[0]).toBe(1500);
  });

  it('waits the health interval between successes and stops before passing the timeout', async () => {
    const { world } = scripted([{ status: 200, body: '{"version":"old"}' }]);
    const start = world.clock.now().getTime();
    const result = await probeVersion(world.deps, 'u', 'new', { ...health, timeoutMs: 3500 });
    expect(result).toEqual({
      ok: false,
      reason: 'u: 0/2 consecutive successes within 4s (still answering version old)',
    });
    expect(world.clock.sleeps).toEqual([1000, 1000, 1000]);
    expect(world.clock.now().getTime() - start).toBe(3000);
  });
});

describe('health settings', () => {
  it('come from the config in milliseconds, and the URL joins base and path once', () => {
    expect(healthSettings(testConfig().health)).toEqual({
      path: '/health',
      expectStatus: 200,
      versionField: 'version',
      successes: 3,
      intervalMs: 2000,
      timeoutMs: 60_000,
    });
    expect(healthUrl('http://lb.test/web/', '/health')).toBe('http://lb.test/web/health');
    expect(healthUrl('http://lb.test/web//', '/health')).toBe('http://lb.test/web/health');
    expect(confirmDelay(2000, 5000)).toBe(1000);
    expect(confirmDelay(1, 1)).toBe(1);
  });
});
