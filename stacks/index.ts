// The ferry stacks: one environment (staging or production) per stack.
// Every input comes from the stack's config (Pulumi.<stack>.yaml); docs/infrastructure.md lists them.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { Database } from './components/database.ts';
import { DeployAccess, type GithubSubject } from './components/deploy-access.ts';
import { Descriptor } from './components/descriptor.ts';
import { Firewall } from './components/firewall.ts';
import { LoadBalancer } from './components/load-balancer.ts';
import { type NatGatewayMode, Network } from './components/network.ts';
import { DEFAULT_PROMOTE_TARGET_ENVIRONMENT, PromoteSourceAccess } from './components/promote-source.ts';
import { Registry } from './components/registry.ts';
import { Service } from './components/service.ts';

const config = new pulumi.Config();
const app = config.require('app');
const environment = config.get('environment') ?? pulumi.getStack();
const production = config.getBoolean('production') ?? environment === 'production';
const name = `${app}-${environment}`;
const tags = { 'ferry:app': app, 'ferry:environment': environment };

const identity = aws.getCallerIdentityOutput();
const region = aws.getRegionOutput().region;
const partition = aws.getPartitionOutput().partition;

const network = new Network(name, {
  name,
  cidrBlock: config.get('vpcCidr'),
  azCount: config.getNumber('azCount') ?? (production ? 3 : 2),
  natGateways: (config.get('natGateways') as NatGatewayMode | undefined) ?? (production ? 'perAz' : 'single'),
  tags,
});

const certificateArn = config.get('certificateArn');
const containerPort = config.getNumber('containerPort');
const firewall = new Firewall(name, {
  name,
  vpcId: network.vpcId,
  containerPort,
  https: !!certificateArn,
  tags,
});

const registry = new Registry(name, {
  name,
  keepReleases: config.getNumber('keepReleases'),
  untaggedExpiryDays: config.getNumber('untaggedImageExpiryDays'),
  tags,
});

const database = new Database(name, {
  name,
  production,
  subnetIds: network.privateSubnetIds,
  securityGroupId: firewall.databaseSecurityGroupId,
  engineVersion: config.get('dbEngineVersion'),
  instanceClass: config.get('dbInstanceClass'),
  allocatedStorage: config.getNumber('dbAllocatedStorage'),
  maxAllocatedStorage: config.getNumber('dbMaxAllocatedStorage'),
  databaseName: config.get('dbName'),
  username: config.get('dbUsername'),
  multiAz: config.getBoolean('dbMultiAz'),
  deletionProtection: config.getBoolean('dbDeletionProtection'),
  backupRetentionDays: config.getNumber('dbBackupRetentionDays'),
  skipFinalSnapshot: config.getBoolean('dbSkipFinalSnapshot'),
  performanceInsights: config.getBoolean('dbPerformanceInsights'),
  tags,
});

const loadBalancer = new LoadBalancer(name, {
  name,
  vpcId: network.vpcId,
  subnetIds: network.publicSubnetIds,
  securityGroupId: firewall.albSecurityGroupId,
  containerPort,
  healthCheckPath: config.get('healthCheckPath'),
  deregistrationDelaySeconds: config.getNumber('deregistrationDelaySeconds'),
  certificateArn,
  domainName: config.get('domainName'),
  tags,
});

const service = new Service(name, {
  name,
  subnetIds: network.privateSubnetIds,
  securityGroupId: firewall.tasksSecurityGroupId,
  targetGroupArn: loadBalancer.targetGroupArn,
  targetGroupArnSuffix: loadBalancer.targetGroupArnSuffix,
  loadBalancerArnSuffix: loadBalancer.arnSuffix,
  dependsOn: loadBalancer.listeners,
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
  initialImage: config.get('initialImage'),
  containerPort,
  cpu: config.getNumber('cpu'),
  memory: config.getNumber('memory'),
  desiredCount: config.getNumber('desiredCount') ?? (production ? 2 : 1),
  healthCheckGracePeriodSeconds: config.getNumber('healthCheckGracePeriodSeconds'),
  logRetentionDays: config.getNumber('logRetentionDays'),
  containerInsights: config.getBoolean('containerInsights') ?? production,
  alarm5xxThreshold: config.getNumber('alarm5xxThreshold'),
  // Off by default: a worker service (no load balancer) released with the web one.
  worker: config.getBoolean('worker')
    ? {
        command: config.getObject<string[]>('workerCommand'),
        desiredCount: config.getNumber('workerDesiredCount'),
      }
    : undefined,
  tags,
});
const worker = service.worker;
const workerOutputs = worker
  ? pulumi.output({ serviceName: worker.serviceName, taskDefinitionFamily: worker.taskDefinitionFamily })
  : undefined;

const github = {
  repository: config.require('githubRepository'),
  ownerId: config.require('githubOwnerId'),
  repositoryId: config.require('githubRepositoryId'),
};
const subject: GithubSubject = production
  ? { environment: config.get('githubEnvironment') ?? 'production' }
  : { branch: config.get('githubBranch') ?? 'main' };
const promoteSourceRepository = config.get('promoteSourceRepositoryArn');
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
  oidcProvider: (config.get('githubOidcProvider') as 'create' | 'existing' | undefined) ?? 'create',
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
    })),
  tags,
});

// `ferry promote --from <this env>` runs in the target's GitHub environment, whose OIDC subject the
// deploy role refuses: it reads this environment through a separate read-only role instead.
const promoteSource =
  (config.getBoolean('promoteSourceRole') ?? !production)
    ? new PromoteSourceAccess(`${name}-promote-source`, {
        name,
        github,
        targetEnvironment: config.get('promoteTargetEnvironment') ?? DEFAULT_PROMOTE_TARGET_ENVIRONMENT,
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

export const descriptor = published.descriptor;
export const descriptorParameter = published.parameterName;
export const deployRoleArn = access.roleArn;
/** The read-only role the promoting environment's jobs assume to read this one (when enabled). */
export const promoteSourceRoleArn = promoteSource?.roleArn;
export const baseUrl = loadBalancer.baseUrl;
export const repositoryUrl = registry.repositoryUrl;
export const natGateways = network.natGatewayCount;
/** Paste into ferry.config.json under `environments.<env>`. */
export const ferryEnvironment = access.roleArn.apply((roleArn) => ({ [environment]: { roleArn } }));
