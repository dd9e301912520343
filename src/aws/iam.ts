/**
 * Asks IAM whether a role may make the calls a release makes
 * (iam:SimulatePrincipalPolicy): read only, nothing is called for real.
 */
import { type EvaluationResult, type IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { awsErrorName, describeAwsError } from './errors.ts';
import type { RequiredPermission } from './release-permissions.ts';

export interface DeniedPermission {
  action: string;
  resource: string;
  /** `implicitDeny` (no statement allows it) or `explicitDeny`. */
  decision: string;
  purpose: string;
}

export type SimulationOutcome =
  | { kind: 'checked'; checked: number; denied: DeniedPermission[] }
  /** SimulatePrincipalPolicy itself was refused or does not exist at this endpoint. */
  | { kind: 'unavailable'; denied: boolean; reason: string };

export interface PermissionSimulator {
  simulate(principalArn: string, permissions: RequiredPermission[]): Promise<SimulationOutcome>;
}

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

export function createPermissionSimulator(client: () => IAMClient): PermissionSimulator {
  return {
    async simulate(principalArn, permissions) {
      const denied: DeniedPermission[] = [];
      let checked = 0;
      for (const permission of permissions) {
        let results: EvaluationResult[];
        try {
          results = await simulateOne(client(), principalArn, permission);
        } catch (err) {
          const name = awsErrorName(err) ?? '';
          return { kind: 'unavailable', denied: DENIED.has(name), reason: describeAwsError(err) };
        }
        checked += permission.resources.length;
        denied.push(...deniedIn(results, permission));
      }
      return { kind: 'checked', checked, denied };
    },
  };
}

async function simulateOne(
  client: IAMClient,
  principalArn: string,
  permission: RequiredPermission,
): Promise<EvaluationResult[]> {
  const results: EvaluationResult[] = [];
  let marker: string | undefined;
  do {
    const out = await client.send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: principalArn,
        ActionNames: [permission.action],
        ResourceArns: permission.resources,
        ...(permission.context
          ? {
              ContextEntries: Object.entries(permission.context).map(([key, value]) => ({
                ContextKeyName: key,
                ContextKeyValues: [value],
                // IAM has no ARN context type: ARN conditions compare strings.
                ContextKeyType: 'string',
              })),
            }
          : {}),
        ...(marker ? { Marker: marker } : {}),
      }),
    );
    results.push(...(out?.EvaluationResults ?? []));
    marker = out?.IsTruncated ? out.Marker : undefined;
  } while (marker);
  return results;
}

/**
 * The (action, resource) pairs IAM would refuse. A result with per-resource
 * decisions is judged by those; one without by its own decision.
 */
export function deniedIn(results: EvaluationResult[], permission: RequiredPermission): DeniedPermission[] {
  const denied = new Map<string, DeniedPermission>();
  const add = (action: string, resource: string, decision: string) =>
    denied.set(`${action} ${resource}`, { action, resource, decision, purpose: permission.purpose });
  for (const result of results) {
    const action = result.EvalActionName ?? permission.action;
    const specific = result.ResourceSpecificResults ?? [];
    if (specific.length > 0) {
      for (const r of specific) {
        if (r.EvalResourceDecision !== 'allowed')
          add(action, r.EvalResourceName ?? '*', r.EvalResourceDecision ?? 'implicitDeny');
      }
    } else if (result.EvalDecision !== 'allowed') {
      add(action, result.EvalResourceName ?? '*', result.EvalDecision ?? 'implicitDeny');
    }
  }
  if (results.length === 0) {
    // IAM answered nothing for the action: treat it as not shown to be allowed.
    for (const resource of permission.resources) add(permission.action, resource, 'implicitDeny');
  }
  return [...denied.values()];
}

/**
 * The IAM principal to simulate: the role itself, not its session. From the
 * configured role ARN when there is one, else from the caller identity
 * (an assumed-role ARN loses the role's path; a path-less role is the norm).
 */
export function principalToSimulate(callerArn: string, roleArn?: string): string {
  if (roleArn) return roleArn;
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn);
  return assumed ? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}` : callerArn;
}
