/**
 * IAM's SimulatePrincipalPolicy over the role's policies, with the same evaluator that enforces
 * them, so `ferry doctor` can ask which calls a release needs are allowed before it makes them.
 */
import type { ContextValue } from '../iam/authorizations.ts';
import { type Decision, decide } from '../iam/evaluate.ts';
import type { IamStore } from '../iam/store.ts';
import { AwsError } from '../protocol/errors.ts';
import type { QueryService } from '../protocol/types.ts';

const EVAL_DECISION: Record<Decision, string> = {
  Allowed: 'allowed',
  ImplicitlyDenied: 'implicitDeny',
  ExplicitlyDenied: 'explicitDeny',
};

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === '' ? [] : [v]);

function contextOf(entries: unknown): Record<string, ContextValue> {
  const context: Record<string, ContextValue> = {};
  for (const entry of asList(entries) as Record<string, unknown>[]) {
    const key = String(entry.ContextKeyName ?? '');
    const values = asList(entry.ContextKeyValues).map(String);
    if (key) context[key] = String(entry.ContextKeyType ?? '').endsWith('List') ? values : (values[0] ?? '');
  }
  return context;
}

export function iamService(iam: IamStore): QueryService {
  return {
    service: 'iam',
    version: '2010-05-08',
    namespace: 'https://iam.amazonaws.com/doc/2010-05-08/',
    operations: {
      SimulatePrincipalPolicy: async (params) => {
        const source = String(params.PolicySourceArn ?? '');
        const role = iam.role(source);
        if (!role) throw new AwsError('NoSuchEntity', `The role with ARN ${source} cannot be found.`, 404);
        const actions = asList(params.ActionNames).map(String);
        if (actions.length === 0)
          throw new AwsError('InvalidInput', 'ActionNames must list at least one action.');
        const resources = asList(params.ResourceArns).map(String);
        const context = contextOf(params.ContextEntries);
        const account = source.split(':')[4] ?? '';
        const policies = iam.identityPolicies(role);
        const results = [];
        for (const action of actions) {
          for (const resource of resources.length > 0 ? resources : ['*']) {
            let decision: Decision;
            try {
              decision = await decide(policies, source, account, { action, resource, context });
            } catch (err) {
              throw new AwsError('InvalidInput', (err as Error).message);
            }
            results.push({
              EvalActionName: action,
              EvalResourceName: resource,
              EvalDecision: EVAL_DECISION[decision],
              MatchedStatements: [],
              MissingContextValues: [],
            });
          }
        }
        return { EvaluationResults: results, IsTruncated: false };
      },
    },
  };
}
