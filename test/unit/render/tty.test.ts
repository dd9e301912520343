import { afterEach, describe, expect, it, vi } from 'vitest';
import { stripAnsi, visibleWidth } from '../../../src/cli/render/index.ts';
import { makeReporter, run, SNAPSHOT, sequences } from './fixtures.ts';

const CURSOR_UP = /\x1b\[\d+A/;
const RED_BOLD = (word: string) => `\x1b[31m\x1b[1m${word}\x1b[22m\x1b[39m`;

afterEach(() => {
  vi.useRealTimers();
});

describe('tty mode', () => {
  it('redraws the step list in place, and only in tty mode', async () => {
    const tty = await run('tty', sequences.happyDeploy, { color: true });
    expect(tty.stderr.text).toMatch(CURSOR_UP);
    expect(tty.stderr.text).toContain('\x1b[J');
    expect(tty.stdout.text).toBe('');
    for (const mode of ['plain', 'json'] as const) {
      const other = await run(mode, sequences.happyDeploy, { color: true });
      expect(other.stderr.text).not.toMatch(/\x1b/);
      expect(other.stdout.text).not.toMatch(/\x1b/);
    }
  });

  it('ends with every step marked and timed, and the outcome block', async () => {
    const { stderr } = await run('tty', sequences.happyDeploy, { color: true });
    const finalFrame = stripAnsi(stderr.chunks.at(-2)!);
    expect(finalFrame).toMatch(/✔ snapshot +12s/);
    expect(finalFrame).toMatch(/✔ migrate +41s/);
    expect(finalFrame).toMatch(/✔ watch +1m35s/);
    const summary = stripAnsi(stderr.chunks.at(-1)!);
    expect(summary).toContain('✔ deployed (exit 0: done');
    expect(summary).toMatch(/sha +1a2b3c4/);
    expect(summary).toMatch(/digest +sha256:9f86d0/);
    expect(summary).toMatch(new RegExp(`snapshot +${SNAPSHOT}`));
  });

  it('shows a deployment table with new and old counts', async () => {
    const { stderr } = await run('tty', sequences.happyDeploy, { color: true });
    const finalFrame = stripAnsi(stderr.chunks.at(-2)!).split('\n');
    const header = finalFrame.findIndex((line) => /service +rollout +running +pending +failed/.test(line));
    expect(header).toBeGreaterThan(0);
    expect(finalFrame[header + 1]).toMatch(/shop-staging-web +new +COMPLETED +2\/2 +0 +0/);
    expect(finalFrame[header + 2]).toMatch(/^ +old +COMPLETED +2\/2 +0 +0/);
  });

  it('highlights failure words in red and marks the failed step', async () => {
    const { stderr } = await run('tty', sequences.rolledBackDeploy, { color: true });
    for (const word of ['CannotPullContainerError', 'failed', 'rolling back']) {
      expect(stderr.text).toContain(RED_BOLD(word));
    }
    expect(stripAnsi(stderr.text)).toMatch(/✖ watch +1m01s +circuit breaker rolled the deployment back/);
    expect(stripAnsi(stderr.text)).toContain('✖ rolled_back (exit 1: the release failed');
  });

  it('prints the next steps of an exit-3 failure', async () => {
    const { stderr } = await run('tty', sequences.brokenRollback, { color: true });
    const plain = stripAnsi(stderr.text);
    expect(plain).toContain('✖ failed (exit 3: the rollback failed or the state is unknown');
    expect(plain).toMatch(/next +ferry status staging/);
    expect(stderr.text).toContain(`503 ${RED_BOLD('failed')}: ${RED_BOLD('unhealthy')}`);
    expect(plain).toMatch(/✖ verify +5m +health check timed out/);
  });

  it('uses no colour when asked not to, but still redraws', async () => {
    const { stderr } = await run('tty', sequences.rolledBackDeploy, { color: false });
    expect(stderr.text).toMatch(CURSOR_UP);
    expect(stderr.text).not.toMatch(/\x1b\[\d+m/);
  });

  it('takes NO_COLOR from the environment', async () => {
    const { stderr } = await run('tty', sequences.rolledBackDeploy, { env: { NO_COLOR: '1' } });
    expect(stderr.text).not.toMatch(/\x1b\[\d+m/);
  });

  it('keeps live lines within the terminal width so redraws stay aligned', async () => {
    const { stderr } = await run('tty', sequences.rolledBackDeploy, { color: true, columns: 40 });
    const finalFrame = stderr.chunks.at(-2)!.replace(/^\r\x1b\[\d+A\x1b\[J/, '');
    const live = finalFrame.split('\n').slice(-8);
    for (const line of live) expect(visibleWidth(line)).toBeLessThanOrEqual(39);
    expect(live.some((line) => stripAnsi(line).endsWith('…'))).toBe(true);
  });

  it('keeps the live block shorter than the terminal so the cursor can reach its top', async () => {
    vi.useFakeTimers();
    const { stderr, reporter, clock } = makeReporter('tty', { color: false, rows: 8 });
    for (const event of sequences.happyDeploy) {
      clock.advance(1000);
      reporter.emit(event);
      vi.advanceTimersByTime(150);
    }
    await reporter.close();
    const ups = stderr.chunks.map((chunk) => Number(/\x1b\[(\d+)A/.exec(chunk)?.[1] ?? 0));
    expect(Math.max(...ups)).toBe(6);
    expect(stderr.chunks.slice(0, -2).join('')).toMatch(/… \d+ more lines/);
    expect(stderr.chunks.at(-2)).toMatch(/✔ resolve[\s\S]*✔ unlock/);
  });

  it('bounds the redraw rate however fast events arrive', async () => {
    vi.useFakeTimers();
    const { stderr, reporter, clock } = makeReporter('tty', { color: false });
    reporter.emit({ type: 'step', step: 'watch', status: 'start', elapsedMs: 0 });
    for (let i = 0; i < 500; i++) {
      clock.advance(1);
      reporter.emit({
        type: 'progress',
        service: 'web',
        deployments: [
          { id: 'd', role: 'new', status: 'PRIMARY', running: i, pending: 0, desired: 500, failed: 0 },
        ],
      });
    }
    expect(stderr.chunks).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    // One redraw per 100 ms window, whether from new events or the spinner.
    expect(stderr.chunks.length).toBeGreaterThanOrEqual(2);
    expect(stderr.chunks.length).toBeLessThanOrEqual(12);
    await reporter.close();
    expect(stripAnsi(stderr.chunks.at(-1)!)).toMatch(/web +new +PRIMARY +499\/500/);
  });

  it('stops redrawing once closed', async () => {
    vi.useFakeTimers();
    const { stderr, reporter } = makeReporter('tty', { color: false });
    reporter.emit({ type: 'step', step: 'watch', status: 'start', elapsedMs: 0 });
    await reporter.close();
    const written = stderr.chunks.length;
    vi.advanceTimersByTime(5000);
    expect(stderr.chunks.length).toBe(written);
    expect(stripAnsi(stderr.text)).toMatch(/… watch/);
  });
});
