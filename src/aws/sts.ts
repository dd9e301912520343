/** Identity over STS: the account and principal ferry acts as. */
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import type { Identity } from '../pipeline/ports.ts';

export function createIdentity(client: () => STSClient): Identity {
  let cached: Promise<{ account: string; arn: string }> | undefined;
  return {
    whoAmI() {
      // Who we are does not change during a run; a failed lookup is not cached.
      cached ??= client()
        .send(new GetCallerIdentityCommand({}))
        .then((out) => ({ account: out.Account ?? '', arn: out.Arn ?? '' }))
        .catch((err: unknown) => {
          cached = undefined;
          throw err;
        });
      return cached;
    },
  };
}
