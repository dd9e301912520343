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
  return {
    ...args,
    oidcProvider,
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

/** Everything `ferry build`, `deploy`, `promote`, `rollback` and `status` call, on this environment only. */
export function deployPolicy(s: DeployScope): PolicyDocument {
  const ecs = `arn:${s.partition}:ecs:${s.region}:${s.accountId}`;
  const clusterArn = `${ecs}:cluster/${s.clusterName}`;
  const familyArn = `${ecs}:task-definition/${s.taskDefinitionFamily}:*`;
  const others = s.otherServices ?? [];
  const familyArns = [familyArn, ...others.map((o) => `${ecs}:task-definition/${o.taskDefinitionFamily}:*`)];
  const serviceNames = [s.serviceName, ...others.map((o) => o.serviceName)];
  const taskArns = `${ecs}:task/${s.clusterName}/*`;
  const snapshots = snapshotArnPattern(s);
  const onCluster = { ArnEquals: { 'ecs:cluster': clusterArn } };
  const statements: PolicyStatement[] = [
    // GetAuthorizationToken has no resource type: AWS only accepts "*".
    statement('EcrLogin', ['ecr:GetAuthorizationToken'], ['*']),
    statement(
      'EcrPushPull',
      [
        'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer',
        'ecr:BatchGetImage',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:DescribeImages',
        'ecr:DescribeRepositories',
        'ecr:ListImages',
      ],
      [s.repositoryArn],
    ),
    // Register/Describe/ListTaskDefinitions have no resource type: AWS only accepts "*".
    statement(
      'EcsTaskDefinitions',
      ['ecs:RegisterTaskDefinition', 'ecs:DescribeTaskDefinition', 'ecs:ListTaskDefinitions'],
      ['*'],
    ),
    statement('EcsTaskDefinitionTags', ['ecs:ListTagsForResource'], familyArns),
    statement('EcsTagOnCreate', ['ecs:TagResource'], [...familyArns, taskArns], {
      StringEquals: { 'ecs:CreateAction': ['RegisterTaskDefinition', 'RunTask'] },
    }),
    statement('EcsCluster', ['ecs:DescribeClusters'], [clusterArn]),
    statement(
      'EcsService',
      ['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:ListServiceDeployments'],
      serviceNames.map((n) => `${ecs}:service/${s.clusterName}/${n}`),
    ),
    statement(
      'EcsServiceDeployments',
      ['ecs:DescribeServiceDeployments'],
      serviceNames.map((n) => `${ecs}:service-deployment/${s.clusterName}/${n}/*`),
    ),
    statement('EcsRunMigrations', ['ecs:RunTask'], [familyArn], onCluster),
    statement('EcsTasks', ['ecs:DescribeTasks', 'ecs:StopTask'], [taskArns]),
    // ListTasks authorizes on container instances (Fargate has none): "*" pinned to the cluster by condition.
    statement('EcsListTasks', ['ecs:ListTasks'], ['*'], onCluster),
    statement('PassTaskRoles', ['iam:PassRole'], [s.executionRoleArn, s.taskRoleArn], {
      StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    }),
    statement('RdsInstance', ['rds:DescribeDBInstances'], [s.databaseArn]),
    statement(
      'RdsSnapshots',
      ['rds:CreateDBSnapshot', 'rds:DescribeDBSnapshots', 'rds:ListTagsForResource'],
      [s.databaseArn, snapshots],
    ),
    statement('RdsSnapshotCleanup', ['rds:DeleteDBSnapshot', 'rds:AddTagsToResource'], [snapshots]),
    statement(
      'FerryState',
      [
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:GetParameterHistory',
      ],
      [`arn:${s.partition}:ssm:${s.region}:${s.accountId}:parameter/ferry/${s.app}/${s.environment}/*`],
    ),
    // elasticloadbalancing Describe* actions have no resource type: AWS only accepts "*".
    statement(
      'TargetHealth',
      ['elasticloadbalancing:DescribeTargetHealth', 'elasticloadbalancing:DescribeTargetGroups'],
      ['*'],
    ),
    statement(
      'Logs',
      ['logs:GetLogEvents', 'logs:FilterLogEvents', 'logs:DescribeLogStreams'],
      [s.logGroupArn, `${s.logGroupArn}:*`],
    ),
  ];
  // ferry warns (and `ferry doctor` fails) when a deployment alarm is already in ALARM.
  statements.push(
    statement(
      'DeploymentAlarms',
      ['cloudwatch:DescribeAlarms'],
      [`arn:${s.partition}:cloudwatch:${s.region}:${s.accountId}:alarm:${s.clusterName}-*`],
    ),
    // `ferry doctor`: the manual snapshot quota (no resource type) and this role's own permissions.
    statement('SnapshotQuota', ['rds:DescribeAccountAttributes'], ['*']),
  );
  if (s.roleName) {
    statements.push(
      statement(
        'Preflight',
        ['iam:SimulatePrincipalPolicy'],
        [`arn:${s.partition}:iam::${s.accountId}:role/${s.roleName}`],
      ),
    );
  }
  if (s.promoteSourceRepositoryArns.length > 0) {
    statements.push(
      statement(
        'EcrPromoteSource',
        [
          'ecr:BatchCheckLayerAvailability',
          'ecr:GetDownloadUrlForLayer',
          'ecr:BatchGetImage',
          'ecr:DescribeImages',
        ],
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
      assumeRolePolicy: providerArn.apply((arn) => JSON.stringify(githubTrustPolicy(arn, subjects))),
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
