// One ferry environment (staging or production): every component wired together, so a
// user's Pulumi program is `new FerryEnvironment(environmentArgsFromConfig())` and its exports.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { isValidName, NAME_RULE } from '../config/name-rule.ts';
import { Database } from './database.ts';
import { DeployAccess, type GithubSubject } from './deploy-access.ts';
import { Descriptor, type EnvironmentDescriptor } from './descriptor.ts';
import { Firewall } from './firewall.ts';
import { LoadBalancer } from './load-balancer.ts';
import { type NatGatewayMode, Network } from './network.ts';
import { DEFAULT_PROMOTE_TARGET_ENVIRONMENT, PromoteSourceAccess } from './promote-source.ts';
import { Registry } from './registry.ts';
import { Service } from './service.ts';

/**
 * The settings of one environment. The names are the stack config keys that
 * `environmentArgsFromConfig` reads (docs/infrastructure.md lists them with their meaning);
 * every one but `app`, `environment` and the three `github*` ids has a default, and a few
 * defaults differ in production (marked *prod*).
 */
export interface FerryEnvironmentArgs {
  /** Application name (`app` of ferry.config.json); resources are named `<app>-<environment>`. */
  app: string;
  /** Environment name (descriptor, SSM paths, tags), e.g. `staging`. */
  environment: string;
  /** @default environment === "production" */
  production?: boolean;
  /** `OWNER/REPO` whose workflows may deploy. */
  githubRepository: string;
  /** Numeric owner id (`gh api repos/OWNER/REPO --jq .owner.id`). */
  githubOwnerId: string;
  /** Numeric repository id (`gh api repos/OWNER/REPO --jq .id`). */
  githubRepositoryId: string;
  /** @default "create" (an account has one provider per URL: `existing` looks it up) */
  githubOidcProvider?: 'create' | 'existing';
  /**
   * Roles or users (an SSO permission set's role, say) that may assume the deploy role from a laptop,
   * with a source identity naming the person. In stack config: one comma-separated string.
   * @default []
   */
  operatorPrincipals?: string[];
  /** Staging: the branch whose pushes may deploy. @default "main" */
  githubBranch?: string;
  /** Production: the GitHub environment whose jobs may deploy. @default "production" */
  githubEnvironment?: string;
  /** Create the read-only promotion source role. @default true (prod: false) */
  promoteSourceRole?: boolean;
  /** The GitHub environment whose jobs may assume the promotion source role. @default "production" */
  promoteTargetEnvironment?: string;
  /** Also let the deploy role read this ECR repository (not needed with a promotion source role). */
  promoteSourceRepositoryArn?: string;
  /** @default "10.0.0.0/16" */
  vpcCidr?: string;
  /** @default 2 (prod: 3) */
  azCount?: number;
  /** @default "single" (prod: "perAz") */
  natGateways?: NatGatewayMode;
  /** @default 8080 */
  containerPort?: number;
  /** Fargate CPU units. @default 256 */
  cpu?: number;
  /** Fargate memory in MiB. @default 512 */
  memory?: number;
  /** @default 1 (prod: 2) */
  desiredCount?: number;
  /** Image of the first task definition revision, until the first `ferry deploy`. */
  initialImage?: string;
  /** @default "/health" */
  healthCheckPath?: string;
  /** @default 60 */
  healthCheckGracePeriodSeconds?: number;
  /** @default 30 */
  deregistrationDelaySeconds?: number;
  /** @default 30 */
  logRetentionDays?: number;
  /** @default false (prod: true) */
  containerInsights?: boolean;
  /** 5xx per minute (two minutes in a row) that roll a deployment back. @default 10 */
  alarm5xxThreshold?: number;
  /**
   * Protect the ECS service from replacement: a replaced service starts from the stack's bootstrap
   * revision, silently reverting ferry's release. @default true
   */
  protectService?: boolean;
  /**
   * Also run a worker service `<app>-<env>-worker`: the same image and roles, its own task
   * family, no load balancer (its health is its ECS deployment). ferry releases it with the web one.
   * @default false
   */
  worker?: boolean;
  /** The worker's command, replacing the image's CMD, such as `["node", "worker.js"]`. @default the image's CMD */
  workerCommand?: string[];
  /** Worker tasks. @default 1 */
  workerDesiredCount?: number;
  /** ACM certificate: HTTPS on 443, HTTP redirected. */
  certificateArn?: string;
  /** Required with `certificateArn`: the name ferry checks health at. */
  domainName?: string;
  /** Tagged images the ECR lifecycle never expires. @default 30 */
  keepReleases?: number;
  /** @default 1 */
  untaggedImageExpiryDays?: number;
  /** @default "17" */
  dbEngineVersion?: string;
  /** @default "db.t4g.micro" (prod: "db.t4g.medium") */
  dbInstanceClass?: string;
  /** GiB. @default 20 */
  dbAllocatedStorage?: number;
  /** GiB. @default 100 */
  dbMaxAllocatedStorage?: number;
  /** @default "app" */
  dbName?: string;
  /** @default "app" */
  dbUsername?: string;
  /** @default false (prod: true) */
  dbMultiAz?: boolean;
  /** @default false (prod: true) */
  dbDeletionProtection?: boolean;
  /** @default 1 (prod: 14) */
  dbBackupRetentionDays?: number;
  /** @default true (prod: false) */
  dbSkipFinalSnapshot?: boolean;
  /** @default false (prod: true) */
  dbPerformanceInsights?: boolean;
}

/** What a stack exports: paste `ferryEnvironment` into ferry.config.json's `environments`. */
export interface FerryEnvironmentOutputs {
  descriptor: pulumi.Output<EnvironmentDescriptor>;
  descriptorParameter: pulumi.Output<string>;
  deployRoleArn: pulumi.Output<string>;
  /** The read-only role the promoting environment's jobs assume to read this one (when enabled). */
  /** null when disabled: Pulumi warns about an undefined stack output on every run. */
  promoteSourceRoleArn: pulumi.Output<string> | null;
  baseUrl: pulumi.Output<string>;
  repositoryUrl: pulumi.Output<string>;
  natGateways: pulumi.Output<number> | number;
  /** Paste into ferry.config.json under `environments.<env>`. */
  ferryEnvironment: pulumi.Output<Record<string, { roleArn: string }>>;
}

/**
 * Everything ferry deploys into, for one environment: network, firewall, registry,
 * database, load balancer, service, GitHub deploy access, the promotion source role and
 * the descriptor ferry reads.
 *
 * It registers no resource of its own: its components sit at the top of the stack, with
 * the URNs a stack had before this class existed, so adopting it replaces nothing.
 */
export class FerryEnvironment {
  readonly network: Network;
  readonly firewall: Firewall;
  readonly registry: Registry;
  readonly database: Database;
  readonly loadBalancer: LoadBalancer;
  readonly service: Service;
  readonly access: DeployAccess;
  readonly promoteSource: PromoteSourceAccess | undefined;
  readonly published: Descriptor;
  readonly outputs: FerryEnvironmentOutputs;

  constructor(args: FerryEnvironmentArgs) {
    const { app, environment } = args;
    const production = args.production ?? environment === 'production';
    // The names ferry checks (RDS snapshot ids are built from them): refuse here too, before creating anything.
    for (const [key, value] of [
      ['app', app],
      ['environment', environment],
    ] as const) {
      if (!isValidName(value)) throw new Error(`\`${key}\`: "${value}" is not valid; ${NAME_RULE}`);
    }
    const name = `${app}-${environment}`;
    const tags = { 'ferry:app': app, 'ferry:environment': environment };

    const identity = aws.getCallerIdentityOutput();
    const region = aws.getRegionOutput().region;
    const partition = aws.getPartitionOutput().partition;

    const network = new Network(name, {
      name,
      cidrBlock: args.vpcCidr,
      azCount: args.azCount ?? (production ? 3 : 2),
      natGateways: args.natGateways ?? (production ? 'perAz' : 'single'),
      tags,
    });

    const certificateArn = args.certificateArn;
    const containerPort = args.containerPort;
    const firewall = new Firewall(name, {
      name,
      vpcId: network.vpcId,
      containerPort,
      https: !!certificateArn,
      tags,
    });

    const registry = new Registry(name, {
      name,
      keepReleases: args.keepReleases,
      untaggedExpiryDays: args.untaggedImageExpiryDays,
      tags,
    });

    const database = new Database(name, {
      name,
      production,
      subnetIds: network.privateSubnetIds,
      securityGroupId: firewall.databaseSecurityGroupId,
      engineVersion: args.dbEngineVersion,
      instanceClass: args.dbInstanceClass,
      allocatedStorage: args.dbAllocatedStorage,
      maxAllocatedStorage: args.dbMaxAllocatedStorage,
      databaseName: args.dbName,
      username: args.dbUsername,
      multiAz: args.dbMultiAz,
      deletionProtection: args.dbDeletionProtection,
      backupRetentionDays: args.dbBackupRetentionDays,
      skipFinalSnapshot: args.dbSkipFinalSnapshot,
      performanceInsights: args.dbPerformanceInsights,
      tags,
    });

    const loadBalancer = new LoadBalancer(name, {
      name,
      vpcId: network.vpcId,
      subnetIds: network.publicSubnetIds,
      securityGroupId: firewall.albSecurityGroupId,
      containerPort,
      healthCheckPath: args.healthCheckPath,
      deregistrationDelaySeconds: args.deregistrationDelaySeconds,
      certificateArn,
      domainName: args.domainName,
      tags,
    });

    const service = new Service(name, {
      name,
      subnetIds: network.privateSubnetIds,
      securityGroupId: firewall.tasksSecurityGroupId,
      targetGroupArn: loadBalancer.targetGroupArn,
      targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix,
      loadBalancerArnSuffix: loadBalancer.arnSuffix,
      // Tasks need the listeners (target group in use) and the NAT routes (image pulls) from their first launch.
      dependsOn: [...loadBalancer.listeners, ...network.privateRouting],
      repositoryArn: registry.repositoryArn,
      database: {
        host: database.address,
        port: database.port,
        name: database.databaseName,
        username: database.username,
        secretArn: database.secretArn,
      },
      region,
      accountId: identity.accountId,
      initialImage: args.initialImage,
      containerPort,
      cpu: args.cpu,
      memory: args.memory,
      desiredCount: args.desiredCount ?? (production ? 2 : 1),
      healthCheckGracePeriodSeconds: args.healthCheckGracePeriodSeconds,
      logRetentionDays: args.logRetentionDays,
      containerInsights: args.containerInsights ?? production,
      alarm5xxThreshold: args.alarm5xxThreshold,
      protect: args.protectService,
      ...(args.worker
        ? {
            worker: {
              ...(args.workerCommand ? { command: args.workerCommand } : {}),
              ...(args.workerDesiredCount !== undefined ? { desiredCount: args.workerDesiredCount } : {}),
            },
          }
        : {}),
      tags,
    });
    const worker = service.worker;
    const workerOutputs = worker
      ? pulumi.output({ serviceName: worker.serviceName, taskDefinitionFamily: worker.taskDefinitionFamily })
      : undefined;

    const github = {
      repository: args.githubRepository,
      ownerId: args.githubOwnerId,
      repositoryId: args.githubRepositoryId,
    };
    const subject: GithubSubject = production
      ? { environment: args.githubEnvironment ?? 'production' }
      : { branch: args.githubBranch ?? 'main' };
    const promoteSourceRepository = args.promoteSourceRepositoryArn;
    // The ARNs both GitHub roles are scoped to: this environment's own.
    const ownScope = pulumi
      .output({
        partition,
        region,
        accountId: identity.accountId,
        repositoryArn: registry.repositoryArn,
        clusterName: service.clusterName,
        serviceName: service.serviceName,
        taskDefinitionFamily: service.taskDefinitionFamily,
        otherServices: workerOutputs ? [workerOutputs] : [],
      })
      .apply((scope) => ({ ...scope, app, environment }));

    const access = new DeployAccess(name, {
      name,
      github,
      subject,
      oidcProvider: args.githubOidcProvider ?? 'create',
      operatorPrincipals: args.operatorPrincipals ?? [],
      scope: pulumi
        .output({
          own: ownScope,
          executionRoleArn: service.executionRoleArn,
          taskRoleArn: service.taskRoleArn,
          databaseArn: database.arn,
          logGroupArn: service.logGroupArn,
        })
        .apply(({ own, ...scope }) => ({
          ...own,
          ...scope,
          promoteSourceRepositoryArns: promoteSourceRepository ? [promoteSourceRepository] : [],
          imageSource: production ? ('promotion' as const) : ('build' as const),
        })),
      tags,
    });

    // `ferry promote --from <this env>` runs in the target's GitHub environment, whose OIDC subject the
    // deploy role refuses: it reads this environment through a separate read-only role instead.
    const promoteSource =
      (args.promoteSourceRole ?? !production)
        ? new PromoteSourceAccess(`${name}-promote-source`, {
            name,
            github,
            targetEnvironment: args.promoteTargetEnvironment ?? DEFAULT_PROMOTE_TARGET_ENVIRONMENT,
            providerArn: access.providerArn,
            scope: ownScope,
            tags,
          })
        : undefined;

    const published = new Descriptor(`${name}-descriptor`, {
      inputs: pulumi
        .output({
          region,
          accountId: identity.accountId,
          clusterName: service.clusterName,
          serviceName: service.serviceName,
          baseUrl: loadBalancer.baseUrl,
          targetGroupArn: loadBalancer.targetGroupArn,
          repositoryName: registry.repositoryName,
          repositoryUrl: registry.repositoryUrl,
          databaseIdentifier: database.identifier,
          taskDefinitionFamily: service.taskDefinitionFamily,
          subnetIds: network.privateSubnetIds,
          tasksSecurityGroupId: firewall.tasksSecurityGroupId,
          worker: workerOutputs,
        })
        .apply(({ tasksSecurityGroupId, worker: w, ...outputs }) => ({
          ...outputs,
          app,
          environment,
          containerName: service.containerName,
          securityGroupIds: [tasksSecurityGroupId],
          ...(w && worker ? { worker: { ...w, containerName: worker.containerName } } : {}),
        })),
      tags,
    });

    this.network = network;
    this.firewall = firewall;
    this.registry = registry;
    this.database = database;
    this.loadBalancer = loadBalancer;
    this.service = service;
    this.access = access;
    this.promoteSource = promoteSource;
    this.published = published;
    this.outputs = {
      descriptor: published.descriptor,
      descriptorParameter: published.parameterName,
      deployRoleArn: access.roleArn,
      promoteSourceRoleArn: promoteSource ? promoteSource.roleArn : null,
      baseUrl: loadBalancer.baseUrl,
      repositoryUrl: registry.repositoryUrl,
      natGateways: network.natGatewayCount,
      ferryEnvironment: access.roleArn.apply((roleArn) => ({ [environment]: { roleArn } })),
    };
  }
}
