import { defineConfig } from 'vitest/config';

// The unit suite alone (no sandbox, no bin/ferry): what `npm run mutate` runs against each mutant.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
