import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, tryParseDuration } from '../../../src/config/duration.ts';
import { parseSha } from '../../../src/config/sha.ts';
import { FerryError } from '../../../src/errors.ts';

describe('durations', () => {
  it.each([
    ['250ms', 250],
    ['5s', 5000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
  ])('parses %s as %d ms', (text, ms) => {
    expect(tryParseDuration(text)).toBe(ms);
  });

  it.each(['', '5', 's', '-1s', '0s', '5 minutes', '5S', '1e3ms'])('rejects %j', (text) => {
    expect(tryParseDuration(text)).toBeUndefined();
  });

  it('names the option in its error', () => {
    expect(() => parseDuration('soon', '--poll-interval')).toThrow(
      /--poll-interval: "soon" is not a duration/,
    );
  });

  it('formats for people', () => {
    expect(formatDuration(420)).toBe('420ms');
    expect(formatDuration(12_300)).toBe('12s');
    expect(formatDuration(3_400)).toBe('3.4s');
    expect(formatDuration(125_000)).toBe('2m05s');
    expect(formatDuration(120_000)).toBe('2m');
  });
});

describe('SHA', () => {
  it.each(['abc1234', 'a'.repeat(40), '0123456789abcdef'])('accepts %s', (sha) => {
    expect(parseSha(sha)).toBe(sha);
  });

  it.each(['abc123', 'a'.repeat(41), 'ABC1234', 'abc1234; rm -rf /', '$(whoami)', 'g123456', ' abc1234'])(
    'rejects %j with exit 2',
    (sha) => {
      let caught: unknown;
      try {
        parseSha(sha);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(FerryError);
      expect((caught as FerryError).exitCode).toBe(2);
      expect((caught as FerryError).message).toMatch(
        /^--sha: .* is not a git SHA; give 7 to 40 lowercase hex/,
      );
    },
  );
});
