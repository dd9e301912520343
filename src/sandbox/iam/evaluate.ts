/**
 * Identity-policy and trust-policy decisions, made by @cloud-copilot/iam-simulate.
 * That library is AGPL-3.0, so it is a dev dependency, not one of ferry's: a ferry checkout
 * (tests, the demo) has it and enforces IAM; an installed ferry's sandbox runs without
 * enforcement and says so when it starts.
 */
import type * as IamSimulate from '@cloud-copilot/iam-simulate';
import type { Authorization, ContextValue } from './authorizations.ts';
import type { PolicyDocument, PolicyStatement } from './store.ts';

export type Decision = 'Allowed' | 'ExplicitlyDenied' | 'ImplicitlyDenied';

let simulator: typeof IamSimulate | undefined;

/** Loads the evaluator once; false when it is not installed (then every call is allowed). */
export async function loadIamEvaluator(): Promise<boolean> {
  if (simulator) return true;
  try {
    simulator = await import('@cloud-copilot/iam-simulate');
    return true;
  } catch {
    return false;
  }
}

export interface NamedPolicy {
  name: string;
  policy: PolicyDocument;
}

const accountOf = (arn: string, fallback: string) =>
  /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? fallback;

/** Whether the principal's identity policies allow one authorization (no resource policies in play). */
export async function decide(
  policies: NamedPolicy[],
  principalArn: string,
  principalAccount: string,
  auth: Authorization,
): Promise<Decision> {
  if (!simulator) return 'Allowed';
  const out = await simulator.runSimulation(
    {
      // biome-ignore lint/suspicious/noExplicitAny: the library's policy type is its own JSON shape
      identityPolicies: policies as any,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: principalArn,
        action: auth.action,
        resource: { resource: auth.resource, accountId: accountOf(auth.resource, principalAccount) },
        contextVariables: auth.context,
      },
    },
    {},
  );
  if (out.resultType === 'error') {
    throw new Error(
      `IAM simulation of ${auth.action} on ${auth.resource} failed: ${JSON.stringify(out.errors)}`,
    );
  }
  return out.overallResult as Decision;
}

/** AWS's wording for a request no identity policy allows (or one that a Deny refused). */
export function denialMessage(callerArn: string, auth: Authorization, decision: Decision): string {
  const because =
    decision === 'ExplicitlyDenied'
      ? `with an explicit deny in an identity-based policy`
      : `because no identity-based policy allows the ${auth.action} action`;
  return `User: ${callerArn} is not authorized to perform: ${auth.action} on resource: ${auth.resource} ${because}`;
}

const toList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function principalMatches(statement: PolicyStatement, kind: 'Federated' | 'AWS', principal: string): boolean {
  const p = statement.Principal;
  if (p === '*') return true;
  if (p === undefined || typeof p === 'string') return false;
  const account = accountOf(principal, '');
  return toList(p[kind]).some(
    (v) =>
      v === '*' ||
      v === principal ||
      (account !== '' && (v === account || v === `arn:aws:iam::${account}:root`)),
  );
}

/**
 * Whether a role's trust policy lets `principal` take `action` (sts:AssumeRole...). The library's
 * checked entry point refuses the token claims as condition keys (its data lists no `:sub` or `:aud`
 * for GitHub's provider), so the statements that name the principal are evaluated through its
 * unchecked entry point; the conditions, which decide everything here, are the library's.
 */
export function trustAllows(
  trust: PolicyDocument,
  roleArn: string,
  kind: 'Federated' | 'AWS',
  principal: string,
  action: string,
  context: Record<string, ContextValue>,
): boolean {
  const statements = toList(trust.Statement)
    .filter((s) => principalMatches(s, kind, principal))
    .map(({ Principal: _p, ...rest }) => ({ ...rest, Resource: '*' }));
  if (statements.length === 0) return false;
  if (!simulator) return true;
  const result = simulator.runUnsafeSimulation(
    {
      identityPolicies: [
        // biome-ignore lint/suspicious/noExplicitAny: the library's policy type is its own JSON shape
        { name: 'trust', policy: { Version: '2012-10-17', Statement: statements } as any },
      ],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: roleArn,
        action,
        resource: { resource: roleArn, accountId: accountOf(roleArn, '') },
        contextVariables: context,
      },
    },
    {},
  );
  return result === 'Allowed';
}
