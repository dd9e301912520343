import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIMEOUT } from '../../../src/cli/compose.ts';
import { parseDuration } from '../../../src/config/duration.ts';
import { ferryConfigSchema } from '../../../src/config/schema.ts';
import { longestReleaseMs } from '../../../src/pipeline/bounds.ts';

const example = ferryConfigSchema.parse(
  JSON.parse(readFileSync(new URL('../../../examples/app/ferry.config.json', import.meta.url), 'utf8')),
);
const minutes = (n: number) => n * 60_000;

describe('the longest a release can take', () => {
  it('is what the README says for the example config: 145 minutes to deploy, 175 to promote', () => {
    const timeout = parseDuration(DEFAULT_TIMEOUT, '--timeout');
    expect(longestReleaseMs(example, timeout, false)).toBe(minutes(145));
    expect(longestReleaseMs(example, timeout, true)).toBe(minutes(175));
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain('**145 minutes** for `ferry deploy`');
    expect(readme).toContain('**175 minutes** for `ferry promote`');
  });

  it('shrinks with --timeout', () => {
    expect(longestReleaseMs(example, minutes(10), false)).toBe(minutes(105));
  });
});
