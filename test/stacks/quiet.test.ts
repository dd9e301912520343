// Each run re-evaluates stacks/index.ts (vi.resetModules), as in variants.test.ts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { runStack } from './harness.ts';

beforeEach(() => {
  vi.resetModules();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('the stack program under mocks', () => {
  it.each(['staging', 'production'])(
    '%s: runs without a Pulumi warning (such as an undefined stack output)',
    async (stack) => {
      const warn = vi.spyOn(console, 'warn');
      const run = await runStack(stack);
      expect(run.resources.length).toBeGreaterThan(0);
      expect(warn.mock.calls.map((args) => String(args[0]))).toEqual([]);
    },
  );
});
