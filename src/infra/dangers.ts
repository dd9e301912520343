import type { ChangeOp, Danger, Json, PropertyChange, RecordedResource } from './model.ts';
import { forcesReplacement, statefulKind, topProperty } from './rules.ts';
import { isPlainObject, isSecretMarker } from './secrets.ts';

export interface ChangeFacts {
  op: ChangeOp;
  type: string;
  name: string;
  before?: Pick<RecordedResource, 'inputs' | 'options'>;
  after?: Pick<RecordedResource, 'inputs' | 'options'>;
  /** Input changes, for updates and replacements. */
  properties: readonly PropertyChange[];
}

/** Everything about one change that a reviewer must see before `pulumi up`, worst first. */
export function findDangers(facts: ChangeFacts): Danger[] {
  const dangers = [
    ...lostState(facts),
    ...openedToWorld(facts),
    ...addedActions(facts),
    ...trustChanged(facts),
    ...weakenedOptions(facts),
  ];
  return dangers.sort((a, b) => rank(a) - rank(b));
}

const ECS_SERVICE = 'aws:ecs/service:Service';

const rank = (d: Danger) => (d.level === 'danger' ? 0 : 1);

function lostState({ op, type, name, before, after, properties }: ChangeFacts): Danger[] {
  if (op === 'delete') {
    const kind = statefulKind(type, before?.inputs);
    if (!kind) return [];
    if (before?.options.retainOnDelete) {
      return [
        {
          level: 'warning',
          code: 'delete-stateful',
          message: `removes ${kind.label} ${name} from the stack; AWS keeps it (retainOnDelete)`,
        },
      ];
    }
    return [
      { level: kind.level, code: 'delete-stateful', message: `deletes ${kind.label} ${name}: ${kind.loses}` },
    ];
  }
  if (op !== 'replace') return [];
  const why = replacingProperties(type, properties, after?.options.replaceOnChanges);
  const because = why.length > 0 ? ` (changing ${why.join(', ')} forces a new one)` : '';
  if (type === ECS_SERVICE) {
    return [
      {
        level: 'danger',
        code: 'replace-service',
        message: `replaces ECS service ${name}${because}: the new service is created with the task definition the stack knows (its bootstrap revision), not the one ferry released, silently reverting the release ferry deployed until the next \`ferry deploy\``,
      },
    ];
  }
  const kind = statefulKind(type, before?.inputs) ?? statefulKind(type, after?.inputs);
  if (kind) {
    return [
      {
        level: kind.level,
        code: 'replace-stateful',
        message: `replaces ${kind.label} ${name}${because}: the old one goes, with ${kind.loses}`,
      },
    ];
  }
  return [{ level: 'warning', code: 'replace', message: `replaces ${type} ${name}${because}` }];
}

export function replacingProperties(
  type: string,
  properties: readonly PropertyChange[],
  replaceOnChanges?: readonly string[],
): string[] {
  const names = properties
    .filter((p) => p.replaces ?? forcesReplacement(type, p.path, replaceOnChanges))
    .map((p) => topProperty(p.path));
  return [...new Set(names)];
}

// ---- security groups open to the internet ----

const WORLD_V4 = '0.0.0.0/0';
const WORLD_V6 = '::/0';

interface Opening {
  protocol: string;
  from?: number;
  to?: number;
  cidr: string;
}

function openings(type: string, inputs: Record<string, Json> | undefined): Opening[] {
  if (!inputs) return [];
  const list = (v: Json): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
  const fromRule = (rule: Record<string, Json>, cidrs: string[]): Opening[] =>
    cidrs
      .filter((c) => c === WORLD_V4 || c === WORLD_V6)
      .map((cidr) => ({
        protocol: String(rule.ipProtocol ?? rule.protocol ?? '-1'),
        from: typeof rule.fromPort === 'number' ? rule.fromPort : undefined,
        to: typeof rule.toPort === 'number' ? rule.toPort : undefined,
        cidr,
      }));
  switch (type) {
    case 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule':
      return fromRule(
        inputs,
        [inputs.cidrIpv4, inputs.cidrIpv6].filter((c) => typeof c === 'string'),
      );
    case 'aws:ec2/securityGroupRule:SecurityGroupRule':
      return inputs.type === 'ingress'
        ? fromRule(inputs, [...list(inputs.cidrBlocks), ...list(inputs.ipv6CidrBlocks)])
        : [];
    case 'aws:ec2/securityGroup:SecurityGroup':
      return (Array.isArray(inputs.ingress) ? inputs.ingress : [])
        .filter(isPlainObject)
        .flatMap((rule: Record<string, Json>) =>
          fromRule(rule, [...list(rule.cidrBlocks), ...list(rule.ipv6CidrBlocks)]),
        );
    default:
      return [];
  }
}

const describeOpening = (o: Opening) => {
  const protocol = o.protocol === '-1' || o.protocol === 'all' ? 'all traffic' : o.protocol;
  const ports =
    o.protocol === '-1' || o.from === undefined
      ? ''
      : o.from === o.to
        ? ` port ${o.from}`
        : ` ports ${o.from}-${o.to}`;
  return `${protocol}${ports} from ${o.cidr}`;
};

// The load balancer is meant to take web traffic from anyone; anything else open to the world is a hole.
const isWebPort = (o: Opening) =>
  o.protocol === 'tcp' && o.from === o.to && (o.from === 80 || o.from === 443);

function openedToWorld({ op, type, name, before, after }: ChangeFacts): Danger[] {
  if (op === 'delete') return [];
  const old = new Set(openings(type, before?.inputs).map(describeOpening));
  const added = openings(type, after?.inputs).filter((o) => !old.has(describeOpening(o)));
  if (added.length === 0) return [];
  return [
    {
      level: added.every(isWebPort) ? 'warning' : 'danger',
      code: 'open-to-world',
      message: `${type === 'aws:ec2/securityGroup:SecurityGroup' ? 'security group' : 'security group rule'} ${name} opens ${added.map(describeOpening).join(', ')} (the whole internet)`,
    },
  ];
}

// ---- IAM ----

/** Policy documents a resource carries, by the property that holds each. */
function policyDocuments(type: string, inputs: Record<string, Json> | undefined): Map<string, Json> {
  const docs = new Map<string, Json>();
  if (!inputs) return docs;
  if (
    [
      'aws:iam/rolePolicy:RolePolicy',
      'aws:iam/policy:Policy',
      'aws:iam/userPolicy:UserPolicy',
      'aws:iam/groupPolicy:GroupPolicy',
    ].includes(type)
  ) {
    docs.set('policy', inputs.policy);
  }
  if (type === 'aws:iam/role:Role' && Array.isArray(inputs.inlinePolicies)) {
    for (const p of inputs.inlinePolicies.filter(isPlainObject))
      docs.set(`inlinePolicies[${String(p.name)}]`, p.policy);
  }
  return docs;
}

function parseDocument(doc: Json): Record<string, Json> | undefined {
  if (isSecretMarker(doc)) return undefined;
  if (typeof doc === 'string') {
    try {
      const parsed = JSON.parse(doc);
      return isPlainObject(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return isPlainObject(doc) ? doc : undefined;
}

/** Actions Allow statements grant; IAM action names are case-insensitive. */
export function allowedActions(doc: Json): Map<string, string> {
  const actions = new Map<string, string>();
  const parsed = parseDocument(doc);
  if (!parsed) return actions;
  const statements = Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  for (const s of statements) {
    if (!isPlainObject(s) || s.Effect !== 'Allow') continue;
    const list = Array.isArray(s.Action) ? s.Action : [s.Action];
    for (const a of list) if (typeof a === 'string') actions.set(a.toLowerCase(), a);
  }
  return actions;
}

function addedActions({ op, type, name, before, after }: ChangeFacts): Danger[] {
  if (op === 'delete') return [];
  const old = policyDocuments(type, before?.inputs);
  const dangers: Danger[] = [];
  for (const [where, doc] of policyDocuments(type, after?.inputs)) {
    const had = allowedActions(old.get(where));
    const added = [...allowedActions(doc)].filter(([k]) => !had.has(k)).map(([, a]) => a);
    if (added.length === 0) continue;
    dangers.push({
      level: added.some((a) => a.includes('*')) ? 'danger' : 'warning',
      code: 'iam-actions-added',
      message: `${name} ${where} allows ${added.length} more action${added.length === 1 ? '' : 's'}: ${added.join(', ')}`,
    });
  }
  return dangers;
}

function trustChanged({ op, type, name, properties }: ChangeFacts): Danger[] {
  if (type !== 'aws:iam/role:Role' || (op !== 'update' && op !== 'replace')) return [];
  const paths = properties.filter((p) => topProperty(p.path) === 'assumeRolePolicy').map((p) => p.path);
  if (paths.length === 0) return [];
  return [
    {
      level: 'warning',
      code: 'trust-policy-changed',
      message: `role ${name} changes who may assume it (${paths.join(', ')})`,
    },
  ];
}

// ---- resource options ----

function weakenedOptions({ op, type, name, before, after }: ChangeFacts): Danger[] {
  if (!before || !after || op === 'delete') return [];
  const dangers: Danger[] = [];
  if (before.options.protect && !after.options.protect) {
    dangers.push({
      level: statefulKind(type, after.inputs) ? 'danger' : 'warning',
      code: 'protection-removed',
      message: `${name} loses \`protect\`: a later change may delete it`,
    });
  }
  const kept = new Set(after.options.ignoreChanges ?? []);
  for (const path of before.options.ignoreChanges ?? []) {
    if (kept.has(path)) continue;
    const release = type === ECS_SERVICE && path === 'taskDefinition';
    dangers.push({
      level: release ? 'danger' : 'warning',
      code: 'ignore-changes-removed',
      message: release
        ? `${name} no longer ignores taskDefinition: the next \`pulumi up\` reverts the release ferry deployed`
        : `${name} no longer ignores ${path}: Pulumi will reset it`,
    });
  }
  return dangers;
}
