/**
 * Every IAM action a release (deploy, rollback, promote into this environment,
 * status, history, lock) makes with the environment's deploy role, on the
 * resources it makes it on. `ferry doctor` asks IAM to simulate exactly this
 * list; tests can compare it with the policies the stacks generate.
 *
 * Keep it in step with the adapters in src/aws: a call added there without an
 * entry here is a permission nobody checks before the first real deploy.
 */

export interface ReleaseScope {
  partition: string;
  region: string;
  accountId: string;
  app: string;
  environment: string;
  cluster: string;
  services: string[];
  taskDefinitionFamily: string;
  repositoryName: string;
  /** The RDS instance or cluster ferry snapshots before migrations, if any. */
  database?: { identifier: string; kind: 'instance' | 'cluster' };
  /** Roles in the task definition: RegisterTaskDefinition and RunTask pass them (iam:PassRole). */
  passRoles: string[];
  /** awslogs groups of the containers (migration output, failed tasks' last lines). */
  logGroups: string[];
  /** The services' deployment alarms (read before UpdateService). */
  alarmNames: string[];
  /** The environment receives images only through `ferry promote` (it is written, not built into). */
  promoted: boolean;
}

export interface RequiredPermission {
  action: string;
  /** `*` for actions with no resource type. */
  resources: string[];
  /** Condition keys the request carries, for the simulation (`ecs:cluster`, ...). */
  context?: Record<string, string>;
  /** What ferry does with it, for the message that names a missing one. */
  purpose: string;
}

/**
 * The identifier a snapshot of this environment gets (`ferry-<env>-<sha7>-<stamp>`),
 * as an example resource for the simulation.
 */
export const exampleSnapshotId = (environment: string) => `ferry-${environment}-0000000-20260101000000`;

export function releasePermissions(s: ReleaseScope): RequiredPermission[] {
  const arn = (service: string, resource: string, region = s.region) =>
    `arn:${s.partition}:${service}:${region}:${s.accountId}:${resource}`;
  const ecs = (resource: string) => arn('ecs', resource);
  const clusterArn = ecs(`cluster/${s.cluster}`);
  const services = s.services.map((name) => ecs(`service/${s.cluster}/${name}`));
  const deployments = s.services.map((name) => ecs(`service-deployment/${s.cluster}/${name}/ferry-doctor`));
  const family = ecs(`task-definition/${s.taskDefinitionFamily}:1`);
  const task = ecs(`task/${s.cluster}/00000000000000000000000000000000`);
  const repository = arn('ecr', `repository/${s.repositoryName}`);
  const parameter = (name: string) => arn('ssm', `parameter/ferry/${s.app}/${s.environment}/${name}`);
  const onCluster = { 'ecs:cluster': clusterArn };
  const permissions: RequiredPermission[] = [
    {
      action: 'ssm:GetParameter',
      resources: ['descriptor', 'lock', 'releases'].map(parameter),
      purpose: 'read the descriptor, the lock and the ledger',
    },
    {
      action: 'ssm:PutParameter',
      resources: ['lock', 'releases'].map(parameter),
      purpose: 'take the lock and record releases',
    },
    { action: 'ssm:DeleteParameter', resources: [parameter('lock')], purpose: 'release the lock' },
    { action: 'ssm:GetParameterHistory', resources: [parameter('releases')], purpose: 'read the history' },
    { action: 'ecr:DescribeImages', resources: [repository], purpose: "find the SHA's image" },
    { action: 'ecr:DescribeRepositories', resources: [repository], purpose: 'check tag immutability' },
    { action: 'ecs:DescribeTaskDefinition', resources: ['*'], purpose: 'read the latest revision' },
    { action: 'ecs:RegisterTaskDefinition', resources: ['*'], purpose: 'register the release revision' },
    {
      action: 'ecs:TagResource',
      resources: [family, task],
      context: { 'ecs:CreateAction': 'RegisterTaskDefinition' },
      purpose: 'tag the revision with ferry:sha and ferry:digest',
    },
    ...s.passRoles.map((role) => ({
      action: 'iam:PassRole',
      resources: [role],
      context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      purpose: 'hand the task roles to ECS',
    })),
    { action: 'ecs:DescribeServices', resources: services, purpose: 'watch the rollout' },
    { action: 'ecs:UpdateService', resources: services, purpose: 'roll the service' },
    {
      action: 'ecs:DescribeServiceDeployments',
      resources: [...services, ...deployments],
      purpose: "judge the release's own deployment",
    },
    { action: 'ecs:RunTask', resources: [family], context: onCluster, purpose: 'run the migration' },
    { action: 'ecs:DescribeTasks', resources: [task], purpose: 'watch the migration and failed tasks' },
    { action: 'ecs:StopTask', resources: [task], purpose: 'stop a timed-out migration' },
    { action: 'ecs:ListTasks', resources: ['*'], context: onCluster, purpose: 'list the failed tasks' },
    {
      action: 'elasticloadbalancing:DescribeTargetHealth',
      resources: ['*'],
      purpose: 'explain failed health checks',
    },
  ];
  if (s.alarmNames.length > 0) {
    permissions.push({
      action: 'cloudwatch:DescribeAlarms',
      resources: s.alarmNames.map((name) => arn('cloudwatch', `alarm:${name}`)),
      purpose: 'see a deployment alarm already in ALARM',
    });
  }
  if (s.logGroups.length > 0) {
    permissions.push({
      action: 'logs:GetLogEvents',
      resources: s.logGroups.map((group) => arn('logs', `log-group:${group}:log-stream:web/ferry-doctor`)),
      purpose: "print the migration's and failed tasks' output",
    });
  }
  if (s.database) permissions.push(...databasePermissions(s, s.database, arn));
  if (s.promoted) {
    permissions.push({
      action: 'ecr:BatchCheckLayerAvailability',
      resources: [repository],
      purpose: 'copy the promoted image',
    });
    for (const action of ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload']) {
      permissions.push({ action, resources: [repository], purpose: 'copy the promoted image' });
    }
    permissions.push({ action: 'ecr:PutImage', resources: [repository], purpose: 'put the promoted image' });
  }
  return permissions;
}

function databasePermissions(
  s: ReleaseScope,
  database: NonNullable<ReleaseScope['database']>,
  arn: (service: string, resource: string) => string,
): RequiredPermission[] {
  const cluster = database.kind === 'cluster';
  const db = arn('rds', `${cluster ? 'cluster' : 'db'}:${database.identifier}`);
  const snapshot = arn(
    'rds',
    `${cluster ? 'cluster-snapshot' : 'snapshot'}:${exampleSnapshotId(s.environment)}`,
  );
  const kind = cluster ? 'DBCluster' : 'DB';
  return [
    {
      action: cluster ? 'rds:DescribeDBClusters' : 'rds:DescribeDBInstances',
      resources: [db],
      purpose: 'check the database is available',
    },
    {
      action: `rds:Create${kind}Snapshot`,
      resources: [db, snapshot],
      purpose: 'snapshot before migrating',
    },
    {
      action: 'rds:AddTagsToResource',
      resources: [snapshot],
      purpose: 'tag the snapshot as ferry-managed',
    },
    {
      action: `rds:Describe${kind}Snapshots`,
      resources: [db, snapshot],
      purpose: 'wait for the snapshot',
    },
    {
      action: `rds:Delete${kind}Snapshot`,
      resources: [snapshot],
      purpose: 'keep the snapshot retention',
    },
    {
      action: 'rds:DescribeAccountAttributes',
      resources: ['*'],
      purpose: 'check the manual snapshot quota',
    },
  ];
}
