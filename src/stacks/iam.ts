/** An IAM policy document as AWS reads it. */
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[]>>;
}

export function statement(
  sid: string,
  actions: string[],
  resources: string[],
  condition?: PolicyStatement['Condition'],
): PolicyStatement {
  return {
    Sid: sid,
    Effect: 'Allow',
    Action: actions,
    Resource: resources,
    ...(condition ? { Condition: condition } : {}),
  };
}

/**
 * Actions whose IAM authorization has no resource type (AWS accepts only `"*"`).
 * Any other action must name its resources; the policy pack enforces this list.
 */
export const WILDCARD_RESOURCE_ACTIONS: readonly string[] = [
  // ECR login: the token is account-wide.
  'ecr:GetAuthorizationToken',
  // Describing a task definition has no resource type (registering one is scoped to its family).
  'ecs:DescribeTaskDefinition',
  // ListTasks authorizes on container instances, which Fargate has none of; the
  // statement pins the cluster with the ecs:cluster condition instead.
  'ecs:ListTasks',
  // Every elasticloadbalancing Describe* action is account-wide.
  'elasticloadbalancing:DescribeTargetHealth',
  // The account's RDS quotas.
  'rds:DescribeAccountAttributes',
];

export const toList = (v: string | string[] | undefined): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/**
 * Problems of an identity policy: wildcard actions, and `"*"` resources for actions that
 * have a narrower resource type. Deny statements never widen access and are not checked.
 */
export function wildcardProblems(doc: { Statement?: PolicyStatement | PolicyStatement[] }): string[] {
  const problems: string[] = [];
  const statements =
    doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  statements.forEach((s, i) => {
    if (s.Effect !== 'Allow') return;
    const name = s.Sid ?? `#${i}`;
    if ('NotAction' in s || 'NotResource' in s) problems.push(`statement ${name} uses NotAction/NotResource`);
    const actions = toList(s.Action);
    for (const action of actions.filter((a) => a.includes('*'))) {
      problems.push(`statement ${name} allows the wildcard action ${action}`);
    }
    if (toList(s.Resource).includes('*')) {
      const narrowable = actions.filter((a) => !WILDCARD_RESOURCE_ACTIONS.includes(a));
      if (narrowable.length > 0) {
        problems.push(
          `statement ${name} allows ${narrowable.join(', ')} on "*" although they take narrower resources`,
        );
      }
    }
  });
  return problems;
}
