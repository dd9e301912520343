// The mandatory rules of the ferry stacks. Exported without a PolicyPack so that tests can
// call them: `new PolicyPack()` (in index.ts) starts a gRPC server as soon as it runs.
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from '@pulumi/policy';
import { ECS_DEPLOYMENT, ECS_DEPLOYMENT_PERCENTS } from '../../src/config/ecs-deployment.ts';
import { type PolicyStatement, toList, wildcardProblems } from '../../src/stacks/iam.ts';

const RDS_INSTANCE = 'aws:rds/instance:Instance';
const RDS_CLUSTER = 'aws:rds/cluster:Cluster';
const ECR_REPOSITORY = 'aws:ecr/repository:Repository';
const ECS_SERVICE = 'aws:ecs/service:Service';
const IAM_ROLE = 'aws:iam/role:Role';
const IAM_POLICY_HOLDERS: Record<string, (props: Record<string, unknown>) => unknown[]> = {
  'aws:iam/policy:Policy': (p) => [p.policy],
  'aws:iam/rolePolicy:RolePolicy': (p) => [p.policy],
  'aws:iam/userPolicy:UserPolicy': (p) => [p.policy],
  'aws:iam/groupPolicy:GroupPolicy': (p) => [p.policy],
  [IAM_ROLE]: (p) => (Array.isArray(p.inlinePolicies) ? p.inlinePolicies.map((i) => i?.policy) : []),
};

/** `urn:pulumi:<stack>::<project>::<type>::<name>` */
function stackOf(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** Production is the stack named production, or any resource tagged `ferry:environment=production`. */
export function isProduction(args: Pick<ResourceValidationArgs, 'urn' | 'props'>): boolean {
  return stackOf(args.urn) === 'production' || args.props.tags?.['ferry:environment'] === 'production';
}

/** A policy document from a string (unknown during preview: skipped) or an object. */
function parseDocument(raw: unknown): { Statement?: PolicyStatement | PolicyStatement[] } | undefined {
  if (typeof raw === 'string') {
    try {
      return JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return raw && typeof raw === 'object' ? raw : undefined;
}

function statementsOf(doc: { Statement?: PolicyStatement | PolicyStatement[] }): PolicyStatement[] {
  return doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

const onType =
  (types: string[], check: (args: ResourceValidationArgs, report: ReportViolation) => void) =>
  (args: ResourceValidationArgs, report: ReportViolation) => {
    if (types.includes(args.type)) check(args, report);
  };

export const productionDatabaseProtected: ResourceValidationPolicy = {
  name: 'production-database-protected',
  description: 'Production databases have deletion protection, multi-AZ and storage encryption.',
  enforcementLevel: 'mandatory',
  validateResource: onType([RDS_INSTANCE, RDS_CLUSTER], (args, report) => {
    if (!isProduction(args)) return;
    const p = args.props;
    if (p.deletionProtection !== true) report('production databases must set deletionProtection');
    if (args.type === RDS_INSTANCE && p.multiAz !== true) report('production databases must be multiAz');
    if (p.storageEncrypted !== true) report('production databases must set storageEncrypted');
  }),
};

export const databaseNotPublic: ResourceValidationPolicy = {
  name: 'database-not-public',
  description: 'No database is publicly accessible.',
  enforcementLevel: 'mandatory',
  validateResource: onType([RDS_INSTANCE, 'aws:rds/clusterInstance:ClusterInstance'], (args, report) => {
    if (args.props.publiclyAccessible === true) report('databases must not be publiclyAccessible');
  }),
};

export const repositoryImmutableAndScanned: ResourceValidationPolicy = {
  name: 'ecr-immutable-scanned',
  description: 'ECR repositories have IMMUTABLE tags and scan on push.',
  enforcementLevel: 'mandatory',
  validateResource: onType([ECR_REPOSITORY], (args, report) => {
    if (args.props.imageTagMutability !== 'IMMUTABLE') {
      report('ECR repositories must set imageTagMutability IMMUTABLE: a release tag must never move');
    }
    if (args.props.imageScanningConfiguration?.scanOnPush !== true) {
      report('ECR repositories must scan on push (imageScanningConfiguration.scanOnPush)');
    }
  }),
};

export const serviceRollsOutSafely: ResourceValidationPolicy = {
  name: 'ecs-safe-rollout',
  description: `ECS services deploy with ${ECS_DEPLOYMENT_PERCENTS} and the circuit breaker rolling back.`,
  enforcementLevel: 'mandatory',
  validateResource: onType([ECS_SERVICE], (args, report) => {
    const p = args.props;
    const { minimumHealthyPercent, maximumPercent, deploymentCircuitBreaker: breaker } = ECS_DEPLOYMENT;
    if (
      p.deploymentMinimumHealthyPercent !== minimumHealthyPercent ||
      p.deploymentMaximumPercent !== maximumPercent
    ) {
      report(
        `ECS services must deploy with deploymentMinimumHealthyPercent ${minimumHealthyPercent} and deploymentMaximumPercent ${maximumPercent}, got ${p.deploymentMinimumHealthyPercent}/${p.deploymentMaximumPercent}`,
      );
    }
    if (
      p.deploymentCircuitBreaker?.enable !== breaker.enable ||
      p.deploymentCircuitBreaker?.rollback !== breaker.rollback
    ) {
      report('ECS services must enable deploymentCircuitBreaker with rollback');
    }
  }),
};

export const serviceLeavesTaskDefinitionToFerry: ResourceValidationPolicy = {
  name: 'ecs-task-definition-owned-by-ferry',
  description: 'ECS services ignore changes to taskDefinition, so `pulumi up` never reverts a release.',
  enforcementLevel: 'mandatory',
  validateResource: onType([ECS_SERVICE], (args, report) => {
    if (!args.opts.ignoreChanges?.includes('taskDefinition')) {
      report('ECS services must set ignoreChanges: ["taskDefinition"] (ferry registers the revisions)');
    }
  }),
};

export const serviceProtectedFromReplacement: ResourceValidationPolicy = {
  name: 'ecs-service-protected',
  description:
    'ECS services are protected: a replacement is created from the bootstrap revision and silently reverts the release.',
  enforcementLevel: 'mandatory',
  validateResource: onType([ECS_SERVICE], (args, report) => {
    if (args.opts.protect !== true) {
      report(
        "ECS services must set protect: true. A new name, cluster or launchType replaces the service, and the new one starts from the stack's bootstrap revision, silently reverting what ferry released",
      );
    }
  }),
};

export const iamNoWildcards: ResourceValidationPolicy = {
  name: 'iam-no-wildcards',
  description: 'No IAM statement allows "*" actions, or "*" resources beyond the allow-listed actions.',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    const holder = IAM_POLICY_HOLDERS[args.type];
    if (!holder) return;
    for (const raw of holder(args.props)) {
      const doc = parseDocument(raw);
      if (doc) for (const problem of wildcardProblems(doc)) report(problem);
    }
  },
};

const PINNED = /^[^*?]+$/;

/** Problems of a web-identity trust policy: every such statement pins aud and sub with StringEquals. */
export function trustProblems(raw: unknown): string[] {
  const doc = parseDocument(raw);
  if (!doc) return [];
  const problems: string[] = [];
  for (const [i, s] of statementsOf(doc).entries()) {
    if (s.Effect !== 'Allow' || !toList(s.Action).includes('sts:AssumeRoleWithWebIdentity')) continue;
    const equals = s.Condition?.StringEquals ?? {};
    for (const claim of ['aud', 'sub']) {
      const key = Object.keys(equals).find((k) => k.endsWith(`:${claim}`));
      const values = key ? toList(equals[key]) : [];
      if (values.length === 0 || !values.every((v) => PINNED.test(v))) {
        problems.push(
          `trust statement ${s.Sid ?? `#${i}`} must pin ${claim} with StringEquals and no wildcards`,
        );
      }
    }
    for (const operator of Object.keys(s.Condition ?? {}).filter((o) => o !== 'StringEquals')) {
      if (Object.keys(s.Condition?.[operator] ?? {}).some((k) => k.endsWith(':sub') || k.endsWith(':aud'))) {
        problems.push(`trust statement ${s.Sid ?? `#${i}`} widens aud/sub with ${operator}`);
      }
    }
  }
  return problems;
}

export const oidcTrustPinned: ResourceValidationPolicy = {
  name: 'oidc-trust-pinned',
  description: 'Roles assumed with a web identity (GitHub OIDC) pin the aud and sub claims.',
  enforcementLevel: 'mandatory',
  validateResource: onType([IAM_ROLE], (args, report) => {
    for (const problem of trustProblems(args.props.assumeRolePolicy)) report(problem);
  }),
};

export const policies: ResourceValidationPolicy[] = [
  productionDatabaseProtected,
  databaseNotPublic,
  repositoryImmutableAndScanned,
  serviceRollsOutSafely,
  serviceLeavesTaskDefinitionToFerry,
  serviceProtectedFromReplacement,
  iamNoWildcards,
  oidcTrustPinned,
];
