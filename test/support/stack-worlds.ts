/**
 * Vitest global setup: generates the stacks' worlds once per run, before any test file starts a
 * sandbox, so that parallel files do not each run the stacks under Pulumi mocks (seconds each).
 * Later runs find them in the cache until a stack source changes.
 */
import { accountFor } from '../../src/sandbox/seed.ts';
import { stackWorld } from '../../src/sandbox/stack-world/cache.ts';

export default async function setup(): Promise<void> {
  await Promise.all(
    ['staging', 'production'].map((environment) =>
      stackWorld('shop', { environment, account: accountFor(environment), region: 'eu-west-1' }),
    ),
  );
}
