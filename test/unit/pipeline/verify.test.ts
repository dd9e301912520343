import { describe, expect, it } from 'vitest';
import { probeVersion } from '../../../src/pipeline/verify.ts';
import { fakeWorld } from '../../support/fakes.ts';

const health = {
  path: '/health',
  expectStatus: 200,
  versionField: 'version',
  successes: 3,
  intervalMs: 1000,
  timeoutMs: 30_000,
};

function scripted(answers: ({ status: number; body: string } | { error: string })[]) {
  const world = fakeWorld({ pollIntervalMs: 500 });
  let i = 0;
  world.deps.ports.http = { get: async () => answers[Math.min(i++, answers.length - 1)]! };
  return { world, probes: () => i };
}
const ok = { status: 200, body: '{"version":"abc1234"}' };
const old = { status: 200, body: '{"version":"0000000"}' };
const down = { status: 502, body: '' };

describe('probeVersion', () => {
  it('needs N consecutive successes: another version in between resets the count', async () => {
    const { world, probes } = scripted([ok, ok, old, ok, ok, ok]);
    expect(await probeVersion(world.deps, 'http://x/health', 'abc1234', health)).toEqual({ ok: true });
    expect(probes()).toBe(6);
  });
  it('fails after two hard failures in a row, confirming the first after half the shorter interval', async () => {
    const { world } = scripted([ok, down, down]);
    const started = world.clock.now().getTime();
    const result = await probeVersion(world.deps, 'http://x/health', 'abc1234', health);
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('HTTP 502') });
    // One health interval to the first failing probe, then half the poll interval to confirm it.
    expect(world.clock.now().getTime() - started).toBe(1000 + 250);
  });
  it('tolerates one isolated failure', async () => {
    const { world } = scripted([ok, down, ok, ok, ok]);
    expect(await probeVersion(world.deps, 'http://x/health', 'abc1234', health)).toEqual({ ok: true });
  });
  it('fails at health.timeout when the version never shows up', async () => {
    const { world } = scripted([old]);
    const result = await probeVersion(world.deps, 'http://x/health', 'abc1234', {
      ...health,
      timeoutMs: 10_000,
    });
    expect(result).toMatchObject({
      ok: false,
      reason: expect.stringContaining('still answering version 0000000'),
    });
  });
});
