/** The sandbox's IAM enforcement: requests signed by an assumed role are checked against its policies. */
import { AwsError } from '../protocol/errors.ts';
import type { Caller } from '../protocol/types.ts';
import { type Authorization, authorizationsFor, type RequestFacts } from './authorizations.ts';
import { type Decision, decide, denialMessage } from './evaluate.ts';
import type { IamStore } from './store.ts';

export interface CheckedAuthorization extends Authorization {
  decision: Decision;
}

export interface GuardRequest {
  service: RequestFacts['service'];
  operation: string;
  params: Record<string, unknown>;
  protocol: 'json' | 'query';
  region: string;
  caller: Caller;
}

export type WorldLookups = Pick<RequestFacts, 'taskDefinitionRoles' | 'revisionOf'>;

export class IamGuard {
  readonly #iam: IamStore;
  readonly #lookups: WorldLookups;

  constructor(iam: IamStore, lookups: WorldLookups) {
    this.#iam = iam;
    this.#lookups = lookups;
  }

  /**
   * Every authorization the request needs with its decision; throws AWS's AccessDenied for the first
   * one refused. Static keys (no role) are not checked: tools and tests use them as an administrator.
   */
  async check(req: GuardRequest, record: (checked: CheckedAuthorization[]) => void): Promise<void> {
    const roleArn = req.caller.roleArn;
    if (!roleArn) return;
    const role = this.#iam.role(roleArn);
    const policies = role ? this.#iam.identityPolicies(role) : [];
    const needed = await authorizationsFor({ ...req, account: req.caller.account, ...this.#lookups });
    const checked: CheckedAuthorization[] = [];
    try {
      for (const auth of needed) {
        const decision = await decide(policies, req.caller.arn, req.caller.account, auth);
        checked.push({ ...auth, decision });
        if (decision !== 'Allowed')
          throw accessDenied(req.protocol, denialMessage(req.caller.arn, auth, decision));
      }
    } finally {
      record(checked);
    }
  }
}

export function accessDenied(protocol: 'json' | 'query', message: string): AwsError {
  return protocol === 'json'
    ? new AwsError('AccessDeniedException', message, 400)
    : new AwsError('AccessDenied', message, 403);
}
