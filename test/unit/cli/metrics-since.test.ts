/** `ferry metrics --since`: a window back from now, or a past date; anything else names the flag. */
import { describe, expect, it } from 'vitest';
import { parseSince } from '../../../src/cli/metrics-command.ts';

const NOW = new Date('2026-03-04T12:00:00Z');

describe('parseSince', () => {
  it.each([
    ['48h', '2026-03-02T12:00:00.000Z'],
    ['30d', '2026-02-02T12:00:00.000Z'],
    ['2w', '2026-02-18T12:00:00.000Z'],
    ['2026-01-31', '2026-01-31T00:00:00.000Z'],
    ['2026-03-01T08:00:00Z', '2026-03-01T08:00:00.000Z'],
  ])('%s starts the window at %s', (text, start) => {
    expect(parseSince(text, NOW).toISOString()).toBe(start);
  });

  it.each(['30x', '30', 'd', '12345d', '2026-13-45', '2026-03-05'])('refuses %s, naming --since', (text) => {
    expect(() => parseSince(text, NOW)).toThrow(/^--since: ".*" is not a window/);
  });
});
