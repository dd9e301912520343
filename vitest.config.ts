import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // e2e and sandbox tests start real processes (registry, sandbox, bin/ferry): give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The sandbox's world comes from the stacks: generate it once per run (cached across runs).
    globalSetup: ['test/support/stack-worlds.ts'],
  },
});
