/** IAM roles as the stacks create them: the trust policy and every policy document attached. */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: string | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface Role {
  arn: string;
  name: string;
  trustPolicy: PolicyDocument;
  /** Inline policies by name (aws.iam.RolePolicy). */
  inlinePolicies: { name: string; document: PolicyDocument }[];
  /** Managed policies attached; only those whose document the sandbox knows are evaluated. */
  managedPolicyArns: string[];
  maxSessionDurationSeconds: number;
}

export class IamStore {
  readonly roles = new Map<string, Role>();
  /** Documents of customer managed policies by ARN (the AWS managed ones are not modelled). */
  readonly managedPolicies = new Map<string, PolicyDocument>();

  putRole(role: Role): void {
    this.roles.set(role.arn, role);
  }

  role(arn: string): Role | undefined {
    return this.roles.get(arn);
  }

  /** Every identity policy of the role, named as IAM would list them. */
  identityPolicies(role: Role): { name: string; policy: PolicyDocument }[] {
    return [
      ...role.inlinePolicies.map((p) => ({ name: p.name, policy: p.document })),
      ...role.managedPolicyArns.flatMap((arn) => {
        const doc = this.managedPolicies.get(arn);
        return doc ? [{ name: arn, policy: doc }] : [];
      }),
    ];
  }
}
