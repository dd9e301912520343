import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { ECS_DEPLOYMENT } from '../config/ecs-deployment.ts';
import { type PolicyDocument, statement } from './iam.ts';

/**
 * The bootstrap placeholder: Google's sample app answers 200 on every path and
 * listens on `$PORT`, so the ALB health check passes before the first release
 * (nginx would answer 404 on /health and leave the unhealthy-hosts alarm in ALARM).
 */
export const DEFAULT_INITIAL_IMAGE = 'us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0';

/** Fargate CPU units and the memory sizes (MiB) each allows. */
const FARGATE_SIZES: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

export interface ServiceArgs {
  /**
   * Prefix of every resource name, such as `shop-staging`: cluster `shop-staging`,
   * service and task family `shop-staging-web`.
   */
  name: string;
  /**
   * Private subnets the tasks run in.
   */
  subnetIds: pulumi.Input<string>[];
  /**
   * The tasks' security group (reachable from the ALB only).
   */
  securityGroupId: pulumi.Input<string>;
  /**
   * The target group the tasks register with. Required.
   */
  targetGroupArn: pulumi.Input<string>;
  /**
   * The target group's ARN suffix, the `TargetGroup` dimension of the alarms. Required.
   */
  targetGroupArnSuffix: pulumi.Input<string>;
  /**
   * The ALB's ARN suffix, the `LoadBalancer` dimension of the alarms. Required.
   */
  loadBalancerArnSuffix: pulumi.Input<string>;
  /**
   * Resources the service must wait for (the ALB listeners).
   * @default []
   */
  dependsOn?: pulumi.Resource[];
  /**
   * The ECR repository the tasks pull from.
   */
  repositoryArn: pulumi.Input<string>;
  /**
   * Where the application reaches its database; the password comes from `database.secretArn`.
   */
  database: {
    host: pulumi.Input<string>;
    port: pulumi.Input<number>;
    name: string;
    username: string;
    secretArn: pulumi.Input<string>;
  };
  /**
   * The region, for the awslogs driver. Required.
   */
  region: pulumi.Input<string>;
  /**
   * The account whose ECS tasks may assume the task roles. Required.
   */
  accountId: pulumi.Input<string>;
  /**
   * The image of the first task definition revision; ferry's first deploy replaces it.
   * It must answer the health check path with 200 on `PORT`, or the unhealthy-hosts
   * alarm is in ALARM before the first deploy (and that deploy runs without
   * alarm-based rollback). It must need no `command`: ferry's revisions keep it.
   * @default "us-docker.pkg.dev/google-samples/containers/gke/hello-app:1.0" (200 on every path, listens on `PORT`)
   */
  initialImage?: string;
  /**
   * The container's name in the task definition (the descriptor's `services[].container`).
   * @default "web"
   */
  containerName?: string;
  /**
   * The port the container listens on (passed to the app as `PORT`).
   * @default 8080
   */
  containerPort?: number;
  /**
   * Fargate CPU units: 256, 512, 1024, 2048 or 4096.
   * @default 256
   */
  cpu?: number;
  /**
   * Memory in MiB, one of the sizes Fargate allows for `cpu`.
   * @default 512
   */
  memory?: number;
  /**
   * Tasks to run.
   * @default 1
   */
  desiredCount?: number;
  /**
   * Seconds ECS ignores failing ALB health checks of a new task while it boots.
   * @default 60
   */
  healthCheckGracePeriodSeconds?: number;
  /**
   * Days CloudWatch keeps the container logs.
   * @default 30
   */
  logRetentionDays?: number;
  /**
   * Container Insights on the cluster (extra CloudWatch cost).
   * @default false
   */
  containerInsights?: boolean;
  /**
   * 5xx responses per minute (from the targets, or from the ALB itself) that fail a deployment.
   * @default 10
   */
  alarm5xxThreshold?: number;
  /**
   * A worker service next to the web one: the same image and roles, its own task family
   * and service, no load balancer (its health is its ECS deployment). ferry releases both.
   * @default undefined (no worker)
   */
  worker?: WorkerArgs;
  /**
   * Protect the ECS service from deletion and replacement. A new `name`, `cluster`
   * or `launchType` forces a new service, created with the task definition the
   * stack knows (its bootstrap revision; `ignoreChanges` keeps that one, not
   * ferry's): it would silently put the bootstrap image back in place of the release. Unprotect on purpose
   * (`pulumi state unprotect`) to replace or destroy it, then run `ferry deploy`.
   * @default true
   */
  protect?: boolean;
  /**
   * Tags added to every resource.
   * @default {}
   */
  tags?: Record<string, string>;
}

export interface WorkerArgs {
  /**
   * The worker's command, replacing the image's CMD, e.g. `["node", "worker.js"]`.
   * @default the image's own CMD
   */
  command?: string[];
  /**
   * Worker tasks to run.
   * @default 1
   */
  desiredCount?: number;
  /**
   * The worker container's name (the descriptor's `services[].container`).
   * @default "worker"
   */
  containerName?: string;
}

export type NormalizedWorkerArgs = Required<Omit<WorkerArgs, 'command'>> & { command?: string[] };

export type NormalizedServiceArgs = Required<Omit<ServiceArgs, 'dependsOn' | 'worker'>> & {
  dependsOn: pulumi.Resource[];
  worker?: NormalizedWorkerArgs;
};

export function normalizeServiceArgs(args: ServiceArgs): NormalizedServiceArgs {
  const cpu = args.cpu ?? 256;
  const memory = args.memory ?? 512;
  const sizes = FARGATE_SIZES[cpu];
  if (!sizes) {
    throw new Error(`\`cpu\` must be one of ${Object.keys(FARGATE_SIZES).join(', ')}, got ${cpu}`);
  }
  if (!sizes.includes(memory)) {
    throw new Error(`\`memory\` must be one of ${sizes.join(', ')} with \`cpu\` ${cpu}, got ${memory}`);
  }
  const desiredCount = args.desiredCount ?? 1;
  if (!Number.isInteger(desiredCount) || desiredCount < 1) {
    throw new Error(`\`desiredCount\` must be a positive integer, got ${desiredCount}`);
  }
  const worker = args.worker ? normalizeWorkerArgs(args.worker, args.containerName ?? 'web') : undefined;
  return {
    ...args,
    ...(worker ? { worker } : { worker: undefined }),
    dependsOn: args.dependsOn ?? [],
    initialImage: args.initialImage ?? DEFAULT_INITIAL_IMAGE,
    containerName: args.containerName ?? 'web',
    containerPort: args.containerPort ?? 8080,
    cpu,
    memory,
    desiredCount,
    healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds ?? 60,
    logRetentionDays: args.logRetentionDays ?? 30,
    containerInsights: args.containerInsights ?? false,
    alarm5xxThreshold: args.alarm5xxThreshold ?? 10,
    protect: args.protect ?? true,
    tags: args.tags ?? {},
  };
}

export function normalizeWorkerArgs(args: WorkerArgs, webContainer: string): NormalizedWorkerArgs {
  const desiredCount = args.desiredCount ?? 1;
  if (!Number.isInteger(desiredCount) || desiredCount < 1) {
    throw new Error(`\`worker.desiredCount\` must be a positive integer, got ${desiredCount}`);
  }
  const containerName = args.containerName ?? 'worker';
  if (containerName === webContainer) {
    throw new Error(
      `\`worker.containerName\` must differ from the web container's, both are "${containerName}"`,
    );
  }
  if (
    args.command !== undefined &&
    (args.command.length === 0 || args.command.some((c) => typeof c !== 'string'))
  ) {
    throw new Error('`worker.command` must be a non-empty array of strings, such as ["node", "worker.js"]');
  }
  return { desiredCount, containerName, ...(args.command ? { command: args.command } : {}) };
}

/** The value ECS resolves to the `password` key of the RDS-managed `{username, password}` secret. */
export function passwordSecretRef(secretArn: string): string {
  return `${secretArn}:password::`;
}

export interface ContainerInputs {
  containerName: string;
  image: string;
  /** The port the container serves; a worker serves none. */
  containerPort?: number;
  /** Replaces the image's CMD (a worker). */
  command?: string[];
  appVersion: string;
  region: string;
  logGroupName: string;
  database: { host: string; port: number; name: string; username: string; secretArn: string };
}

/**
 * The container of the task family. ferry's releases copy the latest revision and change
 * only `image` and `APP_VERSION`; the password is injected by ECS, never stored in the revision.
 */
export function containerDefinitions(c: ContainerInputs) {
  return [
    {
      name: c.containerName,
      image: c.image,
      essential: true,
      ...(c.command ? { command: c.command } : {}),
      ...(c.containerPort !== undefined
        ? { portMappings: [{ containerPort: c.containerPort, protocol: 'tcp' }] }
        : {}),
      environment: [
        { name: 'APP_VERSION', value: c.appVersion },
        ...(c.containerPort !== undefined ? [{ name: 'PORT', value: String(c.containerPort) }] : []),
        { name: 'DATABASE_HOST', value: c.database.host },
        { name: 'DATABASE_PORT', value: String(c.database.port) },
        { name: 'DATABASE_NAME', value: c.database.name },
        { name: 'DATABASE_USER', value: c.database.username },
        // RDS rotates the password; a running task re-reads it from here (the task role may).
        { name: 'DATABASE_SECRET_ARN', value: c.database.secretArn },
      ],
      secrets: [{ name: 'DATABASE_PASSWORD', valueFrom: passwordSecretRef(c.database.secretArn) }],
      logConfiguration: {
        logDriver: 'awslogs',
        options: {
          'awslogs-group': c.logGroupName,
          'awslogs-region': c.region,
          'awslogs-stream-prefix': c.containerName,
        },
      },
    },
  ];
}

/** Rolling deployments that never drop below full capacity and undo themselves on failure. */
export function deploymentSettings<Name>(alarmNames: Name[]) {
  return {
    deploymentMinimumHealthyPercent: ECS_DEPLOYMENT.minimumHealthyPercent,
    deploymentMaximumPercent: ECS_DEPLOYMENT.maximumPercent,
    deploymentCircuitBreaker: { ...ECS_DEPLOYMENT.deploymentCircuitBreaker },
    alarms: { alarmNames, enable: true, rollback: true },
  };
}

/**
 * ferry registers the task definition revisions of releases; without this the next
 * `pulumi up` would put the service back on the stack's own revision.
 */
export const SERVICE_IGNORE_CHANGES: readonly string[] = ['taskDefinition'];

/** Trust for roles that ECS tasks of this account assume. */
export function ecsTasksTrustPolicy(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
      },
    ],
  };
}

/** What ECS needs to start a task: pull from this repository, write its log group, read the DB secret. */
export function executionRolePolicy(scope: {
  repositoryArn: string;
  logGroupArn: string;
  secretArn: string;
}): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      // GetAuthorizationToken has no resource type: AWS only accepts "*".
      statement('EcrLogin', ['ecr:GetAuthorizationToken'], ['*']),
      statement(
        'EcrPull',
        ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        [scope.repositoryArn],
      ),
      statement('Logs', ['logs:CreateLogStream', 'logs:PutLogEvents'], [`${scope.logGroupArn}:*`]),
      statement('DatabaseSecret', ['secretsmanager:GetSecretValue'], [scope.secretArn]),
    ],
  };
}

/**
 * What the application may do: read the current database password. RDS rotates
 * its managed secret weekly and ECS injects secrets only at task start, so a
 * running task re-reads the secret when the database refuses the old password.
 */
export function taskRolePolicy(secretArn: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [statement('DatabaseSecret', ['secretsmanager:GetSecretValue'], [secretArn])],
  };
}

/** The ECS cluster, task family and service behind the ALB, with deployment alarms. */
export class Service extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly clusterArn: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;
  readonly taskDefinitionFamily: pulumi.Output<string>;
  readonly containerName: string;
  readonly executionRoleArn: pulumi.Output<string>;
  readonly taskRoleArn: pulumi.Output<string>;
  readonly logGroupArn: pulumi.Output<string>;
  /** The worker's service, task family and container, when `worker` is set. */
  readonly worker?: {
    serviceName: pulumi.Output<string>;
    taskDefinitionFamily: pulumi.Output<string>;
    containerName: string;
  };

  constructor(name: string, args: ServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('ferry:stacks:Service', name, {}, opts);
    const settings = normalizeServiceArgs(args);
    const created = createService(settings, this);
    this.clusterName = created.cluster.name;
    this.clusterArn = created.cluster.arn;
    this.serviceName = created.service.name;
    this.taskDefinitionFamily = created.taskDefinition.family;
    this.containerName = settings.containerName;
    this.executionRoleArn = created.executionRole.arn;
    this.taskRoleArn = created.taskRole.arn;
    this.logGroupArn = created.logGroup.arn;
    if (created.worker && settings.worker) {
      this.worker = {
        serviceName: created.worker.service.name,
        taskDefinitionFamily: created.worker.taskDefinition.family,
        containerName: settings.worker.containerName,
      };
    }
    this.registerOutputs({ serviceName: this.serviceName });
  }
}

function createService(args: NormalizedServiceArgs, parent: pulumi.Resource) {
  const opts = { parent };
  const web = `${args.name}-web`;
  const cluster = new aws.ecs.Cluster(
    args.name,
    {
      name: args.name,
      settings: [{ name: 'containerInsights', value: args.containerInsights ? 'enabled' : 'disabled' }],
      tags: args.tags,
    },
    opts,
  );
  const logGroup = new aws.cloudwatch.LogGroup(
    web,
    { name: `/ecs/${web}`, retentionInDays: args.logRetentionDays, tags: args.tags },
    opts,
  );
  const trust = pulumi.output(args.accountId).apply((id) => JSON.stringify(ecsTasksTrustPolicy(id)));
  const executionRole = new aws.iam.Role(
    `${args.name}-execution`,
    { name: `${args.name}-execution`, assumeRolePolicy: trust, tags: args.tags },
    opts,
  );
  const executionPolicy = new aws.iam.RolePolicy(
    `${args.name}-execution`,
    {
      role: executionRole.name,
      policy: pulumi
        .all([args.repositoryArn, logGroup.arn, args.database.secretArn])
        .apply(([repositoryArn, logGroupArn, secretArn]) =>
          JSON.stringify(executionRolePolicy({ repositoryArn, logGroupArn, secretArn })),
        ),
    },
    opts,
  );
  // The application's own AWS permissions go here; it starts with reading the database secret.
  const taskRole = new aws.iam.Role(
    `${args.name}-task`,
    { name: `${args.name}-task`, assumeRolePolicy: trust, tags: args.tags },
    opts,
  );
  new aws.iam.RolePolicy(
    `${args.name}-task`,
    {
      role: taskRole.name,
      policy: pulumi
        .output(args.database.secretArn)
        .apply((secretArn) => JSON.stringify(taskRolePolicy(secretArn))),
    },
    opts,
  );

  const db = args.database;
  const containers = pulumi
    .all([args.region, db.host, db.port, db.secretArn])
    .apply(([region, host, port, secretArn]) =>
      JSON.stringify(
        containerDefinitions({
          containerName: args.containerName,
          image: args.initialImage,
          containerPort: args.containerPort,
          appVersion: 'bootstrap',
          region,
          logGroupName: `/ecs/${web}`,
          database: { host, port, name: db.name, username: db.username, secretArn },
        }),
      ),
    );
  const taskDefinition = new aws.ecs.TaskDefinition(
    web,
    {
      family: web,
      cpu: String(args.cpu),
      memory: String(args.memory),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      executionRoleArn: executionRole.arn,
      taskRoleArn: taskRole.arn,
      containerDefinitions: containers,
      // Old revisions are rollback targets: never deregister them.
      skipDestroy: true,
      tags: args.tags,
    },
    opts,
  );

  const alarms = createDeploymentAlarms(args, parent);
  // Without the execution policy in place, the first tasks cannot pull their image or write
  // logs; without the NAT routes (in `dependsOn`) they cannot reach ECR.
  const service = new aws.ecs.Service(
    web,
    {
      name: web,
      cluster: cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: args.desiredCount,
      launchType: 'FARGATE',
      deploymentController: { type: 'ECS' },
      ...deploymentSettings(alarms.map((a) => a.name)),
      healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds,
      networkConfiguration: {
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        assignPublicIp: false,
      },
      loadBalancers: [
        {
          targetGroupArn: args.targetGroupArn,
          containerName: args.containerName,
          containerPort: args.containerPort,
        },
      ],
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      waitForSteadyState: false,
      tags: args.tags,
    },
    {
      ...opts,
      dependsOn: [executionPolicy, ...args.dependsOn],
      ignoreChanges: [...SERVICE_IGNORE_CHANGES],
      protect: args.protect,
    },
  );
  const worker = args.worker
    ? createWorker(args, args.worker, { cluster, executionRole, executionPolicy, taskRole, web }, parent)
    : undefined;
  return { cluster, logGroup, executionRole, taskRole, taskDefinition, service, worker };
}

/**
 * The worker: its own task family and service in the same cluster, with the same
 * roles and log group, no load balancer and no ALB alarms. The circuit breaker
 * (with rollback) judges its deployments; ferry releases it with the web service.
 */
function createWorker(
  args: NormalizedServiceArgs,
  worker: NormalizedWorkerArgs,
  shared: {
    cluster: aws.ecs.Cluster;
    executionRole: aws.iam.Role;
    executionPolicy: pulumi.Resource;
    taskRole: aws.iam.Role;
    web: string;
  },
  parent: pulumi.Resource,
) {
  const opts = { parent };
  const name = `${args.name}-worker`;
  const db = args.database;
  const containers = pulumi
    .all([args.region, db.host, db.port, db.secretArn])
    .apply(([region, host, port, secretArn]) =>
      JSON.stringify(
        containerDefinitions({
          containerName: worker.containerName,
          image: args.initialImage,
          ...(worker.command ? { command: worker.command } : {}),
          appVersion: 'bootstrap',
          region,
          logGroupName: `/ecs/${shared.web}`,
          database: { host, port, name: db.name, username: db.username, secretArn },
        }),
      ),
    );
  const taskDefinition = new aws.ecs.TaskDefinition(
    name,
    {
      family: name,
      cpu: String(args.cpu),
      memory: String(args.memory),
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      runtimePlatform: { operatingSystemFamily: 'LINUX', cpuArchitecture: 'X86_64' },
      executionRoleArn: shared.executionRole.arn,
      taskRoleArn: shared.taskRole.arn,
      containerDefinitions: containers,
      // Old revisions are rollback targets: never deregister them.
      skipDestroy: true,
      tags: args.tags,
    },
    opts,
  );
  const { alarms: _alarms, ...rolling } = deploymentSettings<string>([]);
  const service = new aws.ecs.Service(
    name,
    {
      name,
      cluster: shared.cluster.arn,
      taskDefinition: taskDefinition.arn,
      desiredCount: worker.desiredCount,
      launchType: 'FARGATE',
      deploymentController: { type: 'ECS' },
      ...rolling,
      networkConfiguration: {
        subnets: args.subnetIds,
        securityGroups: [args.securityGroupId],
        assignPublicIp: false,
      },
      propagateTags: 'SERVICE',
      enableEcsManagedTags: true,
      waitForSteadyState: false,
      tags: args.tags,
    },
    {
      ...opts,
      dependsOn: [shared.executionPolicy],
      ignoreChanges: [...SERVICE_IGNORE_CHANGES],
      protect: args.protect,
    },
  );
  return { taskDefinition, service };
}

/** The alarms that roll a deployment back: 5xx from the app or the ALB, and unhealthy targets. */
export function deploymentAlarmMetrics(threshold5xx: number) {
  return [
    {
      suffix: 'target-5xx',
      metricName: 'HTTPCode_Target_5XX_Count',
      statistic: 'Sum',
      threshold: threshold5xx,
    },
    { suffix: 'alb-5xx', metricName: 'HTTPCode_ELB_5XX_Count', statistic: 'Sum', threshold: threshold5xx },
    { suffix: 'unhealthy-hosts', metricName: 'UnHealthyHostCount', statistic: 'Maximum', threshold: 1 },
  ] as const;
}

/**
 * How many one-minute periods in breach fail a deployment. A new task is an
 * unhealthy target while it boots (ECS ignores that during the grace period,
 * CloudWatch does not), so the unhealthy-hosts alarm waits out the grace
 * period plus two minutes; 5xx alarms keep 2 of 2.
 */
export function alarmWindow(suffix: string, gracePeriodSeconds: number) {
  const periods = suffix === 'unhealthy-hosts' ? Math.ceil(gracePeriodSeconds / 60) + 2 : 2;
  return { evaluationPeriods: periods, datapointsToAlarm: periods };
}

function createDeploymentAlarms(args: NormalizedServiceArgs, parent: pulumi.Resource) {
  return deploymentAlarmMetrics(args.alarm5xxThreshold).map(
    (metric) =>
      new aws.cloudwatch.MetricAlarm(
        `${args.name}-${metric.suffix}`,
        {
          name: `${args.name}-${metric.suffix}`,
          namespace: 'AWS/ApplicationELB',
          metricName: metric.metricName,
          statistic: metric.statistic,
          period: 60,
          ...alarmWindow(metric.suffix, args.healthCheckGracePeriodSeconds),
          threshold: metric.threshold,
          comparisonOperator: 'GreaterThanOrEqualToThreshold',
          treatMissingData: 'notBreaching',
          dimensions:
            metric.metricName === 'HTTPCode_ELB_5XX_Count'
              ? { LoadBalancer: args.loadBalancerArnSuffix }
              : { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix },
          tags: args.tags,
        },
        { parent },
      ),
  );
}
