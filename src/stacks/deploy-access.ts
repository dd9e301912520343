import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { type PolicyDocument, type PolicyStatement, statement } from './iam.ts';

export const GITHUB_OIDC_URL = 'https://token.actions.githubusercontent.com';
export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** Which workflow runs may deploy: pushes to a branch (staging) or jobs in a GitHub environment (production). */
export type GithubSubject = { branch: string } | { environment: string };

export interface GithubRepository {
  /** `OWNER/REPO`. */
  repository: string;
  /** The numeric ids GitHub puts in the subject of repositories created, renamed or moved since July 2026. */
  ownerId: string;
  repositoryId: string;
}

export interface DeployScope {
  partition: string;
  region: string;
  accountId: string;
  app: string;
  environment: string;
  repositoryArn: string;
  /** Repositories `ferry promote` copies from (read only). */
  promoteSourceRepositoryArns: string[];
  clusterName: string;
  serviceName: string;
  taskDefinitionFamily: string;
  /** Services ferry releases next to `serviceName` (a worker), each with its own task family. */
  otherServices?: { serviceName: string; taskDefinitionFamily: string }[];
  executionRoleArn: string;
  taskRoleArn: string;
  databaseArn: string;
  logGroupArn: string;
  /** The deploy role's own name: `ferry doctor` simulates its policy (iam:SimulatePrincipalPolicy on itself). */
  roleName?: string;
  /**
   * How images reach this environment: `build` (ferry build pushes them) or `promotion` (only
   * ferry promote copies them in, so the role needs no registry login or pull).
   */
  imageSource: 'build' | 'promotion';
}

export interface DeployAccessArgs {
  /**
   * Prefix of the role name: the role is `<name>-deploy`.
   */
  name: string;
  /**
   * The repository whose workflows may assume the role.
   */
  github: GithubRepository;
  /**
   * Which runs of it: `{ branch: "main" }` for staging, `{ environment: "production" }` for production.
   */
  subject: GithubSubject;
  /**
   * `create` the account's GitHub OIDC provider, or use the `existing` one (an account has one per URL).
   * @default "create"
   */
  oidcProvider?: 'create' | 'existing';
  /**
   * What the role may touch: this environment's ARNs.
   */
  scope: pulumi.Input<DeployScope>;
  /**
   * People (IAM principal ARNs, such as the role of an IAM Identity Center permission set) who may
   * assume the role from a laptop to run `ferry status`, `ferry rollback` or `ferry lock release`.
   * They must set a source identity (ferry sends the user name), which CloudTrail then records on
   * every call of the session.
   * @example ["arn:aws:iam::111111111111:role/AWSReservedSSO_Deployers_0123456789abcdef"]
   * @default []
   */
  operatorPrincipals?: string[];
  /**
   * Longest session in seconds; ferry re-assumes the role for longer runs.
   * @default 3600
   */
  maxSessionDurationSeconds?: number;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface NormalizedDeployAccessArgs extends Required<DeployAccessArgs> {}

export function normalizeDeployAccessArgs(args: DeployAccessArgs): NormalizedDeployAccessArgs {
  if (!/^[\w.-]+\/[\w.-]+$/.test(args.github.repository)) {
    throw new Error(`\`githubRepository\` must be OWNER/REPO, got ${args.github.repository}`);
  }
  for (const [key, value] of [
    ['githubOwnerId', args.github.ownerId],
    ['githubRepositoryId', args.github.repositoryId],
  ] as const) {
    if (!/^\d+$/.test(value)) throw new Error(`\`${key}\` must be GitHub's numeric id, got ${value}`);
  }
  const oidcProvider = args.oidcProvider ?? 'create';
  if (oidcProvider !== 'create' && oidcProvider !== 'existing') {
    throw new Error(`\`oidcProvider\` must be create or existing, got ${oidcProvider}`);
  }
  const operatorPrincipals = args.operatorPrincipals ?? [];
  for (const principal of operatorPrincipals) {
    if (!OPERATOR_PRINCIPAL.test(principal)) {
      throw new Error(
        `\`operatorPrincipals\` must list IAM role or user ARNs (arn:aws:iam::ACCOUNT:role/NAME), got ${JSON.stringify(principal)}`,
      );
    }
  }
  return {
    ...args,
    oidcProvider,
    operatorPrincipals,
    maxSessionDurationSeconds: args.maxSessionDurationSeconds ?? 3600,
    tags: args.tags ?? {},
  };
}

/** The `sub` claims GitHub presents for the allowed runs, in the name form and the `OWNER@id/REPO@id` form. */
export function githubSubjects(github: GithubRepository, subject: GithubSubject): string[] {
  const [owner, repo] = github.repository.split('/');
  const context =
    'branch' in subject ? `ref:refs/heads/${subject.branch}` : `environment:${subject.environment}`;
  return [
    `repo:${owner}/${repo}:${context}`,
    `repo:${owner}@${github.ownerId}/${repo}@${github.repositoryId}:${context}`,
  ];
}

const OPERATOR_PRINCIPAL = /^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/;

/**
 * Operators assume the role with sts:AssumeRole and must name themselves: without a source identity
 * the call is refused, and with one it is recorded in every CloudTrail event of the session.
 */
export function operatorTrustStatement(principals: string[]): PolicyStatement {
  return {
    Sid: 'Operators',
    Effect: 'Allow',
    Principal: { AWS: principals },
    Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'],
    Condition: { Null: { 'sts:SourceIdentity': 'false' } },
  };
}

/** Web-identity trust pinned to the STS audience and the exact subjects (StringEquals: no wildcards). */
export function githubTrustPolicy(providerArn: string, subjects: string[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: STS_AUDIENCE,
            [`${GITHUB_OIDC_HOST}:sub`]: subjects,
          },
        },
      },
    ],
  };
}

/** The identifiers ferry gives its snapshots in this environment: `ferry-<env>-...`. */
export function snapshotArnPattern(
  s: Pick<DeployScope, 'partition' | 'region' | 'accountId' | 'environment'>,
): string {
  return `arn:${s.partition}:rds:${s.region}:${s.accountId}:snapshot:ferry-${s.environment}-*`;
}

/** The deploy role's own ARN (it may ask IAM what it is allowed: `ferry doctor`). */
export function deployRoleArnOf(s: Pick<DeployScope, 'partition' | 'accountId'>, name: string): string {
  return `arn:${s.partition}:iam::${s.accountId}:role/${name}-deploy`;
}

/**
 * Exactly what ferry calls in this environment, on this environment only. The sandbox's e2e tests run
 * every flow with this policy enforced, and list the actions ferry used against the ones granted here.
 */
export function deployPolicy(s: DeployScope): PolicyDocument {
  const ecs = `arn:${s.partition}:ecs:${s.region}:${s.accountId}`;
  const clusterArn = `${ecs}:cluster/${s.clusterName}`;
  const familyArn = `${ecs}:task-definition/${s.taskDefinitionFamily}:*`;
  const others = s.otherServices ?? [];
  const familyArns = [familyArn, ...others.map((o) => `${ecs}:task-definition/${o.taskDefinitionFamily}:*`)];
  const serviceNames = [s.serviceName, ...others.map((o) => o.serviceName)];
  const serviceArns = serviceNames.map((n) => `${ecs}:service/${s.clusterName}/${n}`);
  const taskArns = `${ecs}:task/${s.clusterName}/*`;
  const snapshots = snapshotArnPattern(s);
  const onCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
  const built = s.imageSource === 'build';
  const statements: PolicyStatement[] = [
    // `ferry build` logs in to push; GetAuthorizationToken has no resource type: AWS only accepts "*".
    ...(built ? [statement('EcrLogin', ['ecr:GetAuthorizationToken'], ['*'])] : []),
    statement(
      'EcrPush',
      // docker push authorizes the layer and manifest uploads; ferry reads the pushed image back.
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:DescribeImages',
      ],
      [s.repositoryArn],
    ),
    // The revision is registered in each service's own family (its ARN is the resource), tags included.
    statement('EcsTaskDefinitions', ['ecs:RegisterTaskDefinition', 'ecs:ListTagsForResource'], familyArns),
    // DescribeTaskDefinition has no resource type: AWS only accepts "*".
    statement('EcsDescribeTaskDefinitions', ['ecs:DescribeTaskDefinition'], ['*']),
    statement('EcsTagOnCreate', ['ecs:TagResource'], [...familyArns, taskArns], {
      StringEquals: { 'ecs:CreateAction': ['RegisterTaskDefinition', 'RunTask'] },
    }),
    statement('EcsService', ['ecs:DescribeServices', 'ecs:UpdateService'], serviceArns),
    // AWS authorizes DescribeServiceDeployments on the service AND on its service deployments.
    statement(
      'EcsServiceDeployments',
      ['ecs:DescribeServiceDeployments'],
      [...serviceArns, ...serviceNames.map((n) => `${ecs}:service-deployment/${s.clusterName}/${n}/*`)],
    ),
    statement('EcsRunMigrations', ['ecs:RunTask'], [familyArn], onCluster),
    statement('EcsTasks', ['ecs:DescribeTasks', 'ecs:StopTask'], [taskArns]),
    // ListTasks authorizes on container instances (Fargate has none): "*" pinned to the cluster by condition.
    statement('EcsListTasks', ['ecs:ListTasks'], ['*'], onCluster),
    statement('PassTaskRoles', ['iam:PassRole'], [s.executionRoleArn, s.taskRoleArn], {
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    }),
    statement('RdsInstance', ['rds:DescribeDBInstances'], [s.databaseArn]),
    // Both name the instance (listing its snapshots authorizes on the instance) and the snapshots.
    statement(
      'RdsSnapshots',
      ['rds:CreateDBSnapshot', 'rds:DescribeDBSnapshots'],
      [s.databaseArn, snapshots],
    ),
    statement('RdsSnapshotRetention', ['rds:DeleteDBSnapshot', 'rds:AddTagsToResource'], [snapshots]),
    statement(
      'FerryState',
      ['ssm:GetParameter', 'ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:GetParameterHistory'],
      [`arn:${s.partition}:ssm:${s.region}:${s.accountId}:parameter/ferry/${s.app}/${s.environment}/*`],
    ),
    // elasticloadbalancing Describe* actions have no resource type: AWS only accepts "*".
    statement('TargetHealth', ['elasticloadbalancing:DescribeTargetHealth'], ['*']),
    statement('Logs', ['logs:GetLogEvents'], [`${s.logGroupArn}:log-stream:*`]),
    // `ferry doctor` asks IAM which of these the role has; only about itself.
    statement(
      'SelfCheck',
      ['iam:SimulatePrincipalPolicy'],
      [deployRoleArnOf(s, `${s.app}-${s.environment}`)],
    ),
  ];
  // ferry warns (and `ferry doctor` fails) when a deployment alarm is already in ALARM.
  statements.push(
    statement(
      'DeploymentAlarms',
      ['cloudwatch:DescribeAlarms'],
      [`arn:${s.partition}:cloudwatch:${s.region}:${s.accountId}:alarm:${s.clusterName}-*`],
    ),
    // `ferry doctor`: the manual snapshot quota (no resource type).
    statement('SnapshotQuota', ['rds:DescribeAccountAttributes'], ['*']),
    // `ferry doctor`: the repository's settings (tag immutability pins each SHA to one image).
    statement('RepositorySettings', ['ecr:DescribeRepositories'], [s.repositoryArn]),
  );
  if (s.promoteSourceRepositoryArns.length > 0) {
    statements.push(
      statement(
        'EcrPromoteSource',
        ['ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:DescribeImages'],
        s.promoteSourceRepositoryArns,
      ),
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** The GitHub OIDC provider (created or looked up) and this environment's deploy role. */
export class DeployAccess extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;
  readonly providerArn: pulumi.Output<string>;

  constructor(name: string, args: DeployAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:DeployAccess', name, {}, opts);
    const created = createDeployAccess(normalizeDeployAccessArgs(args), this);
    this.roleArn = created.role.arn;
    this.providerArn = created.providerArn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}

function createDeployAccess(args: NormalizedDeployAccessArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const providerArn =
    args.oidcProvider === 'create'
      ? new aws.iam.OpenIdConnectProvider(
          'github',
          { url: GITHUB_OIDC_URL, clientIdLists: [STS_AUDIENCE], tags: args.tags },
          opts,
        ).arn
      : aws.iam.getOpenIdConnectProviderOutput({ url: GITHUB_OIDC_URL }, opts).arn;
  const subjects = githubSubjects(args.github, args.subject);
  const role = new aws.iam.Role(
    `${args.name}-deploy`,
    {
      name: `${args.name}-deploy`,
      description: `ferry deploys from ${args.github.repository} (${subjects[0]})`,
      assumeRolePolicy: providerArn.apply((arn) => {
        const trust = githubTrustPolicy(arn, subjects);
        if (args.operatorPrincipals.length > 0)
          trust.Statement.push(operatorTrustStatement(args.operatorPrincipals));
        return JSON.stringify(trust);
      }),
      maxSessionDuration: args.maxSessionDurationSeconds,
      tags: args.tags,
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${args.name}-deploy`,
    {
      role: role.name,
      policy: pulumi
        .output(args.scope)
        .apply((scope) => JSON.stringify(deployPolicy({ ...scope, roleName: `${args.name}-deploy` }))),
    },
    opts,
  );
  return { role, providerArn };
}
