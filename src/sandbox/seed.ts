import { randomBytes } from 'node:crypto';
import { NAME_PATTERN } from '../config/names.ts';
import type { Descriptor } from '../config/schema.ts';
import type { Service } from './ecs/model.ts';
import { pushSyntheticImage } from './synthetic-image.ts';
import type { World } from './world.ts';

export interface SeedRequest {
  app: string;
  environments?: string[];
  desiredCount?: number;
  initialSha?: string;
  region?: string;
}

/** The environment descriptor of DESIGN.md, as the stacks would write it. */
export type SeededDescriptor = Descriptor;

const NAME = NAME_PATTERN;

export function validateSeed(body: unknown): Required<SeedRequest> {
  const b = (body ?? {}) as SeedRequest;
  if (typeof b.app !== 'string' || !NAME.test(b.app))
    throw new Error('app must be 1-40 lowercase letters, digits or hyphens');
  const environments = b.environments ?? ['staging', 'production'];
  if (!Array.isArray(environments) || environments.some((e) => typeof e !== 'string' || !NAME.test(e))) {
    throw new Error('environments must be names such as "staging"');
  }
  const desiredCount = b.desiredCount ?? 2;
  if (!Number.isInteger(desiredCount) || desiredCount < 1 || desiredCount > 10)
    throw new Error('desiredCount must be 1-10');
  const initialSha = b.initialSha ?? '0'.repeat(40);
  if (!/^[0-9a-f]{7,40}$/.test(initialSha))
    throw new Error('initialSha must be 7-40 lowercase hex characters');
  return { app: b.app, environments, desiredCount, initialSha, region: b.region ?? 'eu-west-1' };
}

function accountFor(env: string): string {
  return env === 'production' ? '222222222222' : '111111111111';
}

async function seedEnvironment(
  world: World,
  req: Required<SeedRequest>,
  env: string,
): Promise<SeededDescriptor> {
  const { app, region, initialSha, desiredCount } = req;
  const account = accountFor(env);
  const name = `${app}-${env}`;
  const serviceName = `${name}-web`;
  const repo =
    world.ecr.repositories.get(name) ??
    world.ecr.createRepository(name, account, region, { immutable: true, scanOnPush: true });
  const pushed = await pushSyntheticImage(world.registry, name, initialSha, `${name} ${initialSha}`);
  world.ecr.notePushed(name, pushed.digest, true);

  const store = world.ecs.store;
  const cluster = store.cluster(name) ?? store.addCluster(name, account, region);
  const tgArn = `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${name}-web/${randomBytes(8).toString('hex')}`;
  store.targetGroups.set(tgArn, {
    arn: tgArn,
    name: `${name}-web`,
    port: 8080,
    healthCheckPath: '/health',
    intervalSeconds: 10,
    healthyThreshold: 2,
    unhealthyThreshold: 3,
    deregistrationDelaySeconds: 30,
  });
  const family = serviceName;
  const revisions = store.families.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const container = {
    name: 'web',
    image: `${repo.repositoryUri}@${pushed.digest}`,
    essential: true,
    portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
    environment: [{ name: 'APP_VERSION', value: initialSha }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: { 'awslogs-group': `/ecs/${name}`, 'awslogs-region': region, 'awslogs-stream-prefix': 'web' },
    },
  };
  const tdArn = `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;
  const registered = {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    executionRoleArn: `arn:aws:iam::${account}:role/${name}-execution`,
    taskRoleArn: `arn:aws:iam::${account}:role/${name}-task`,
  };
  revisions.push({
    registered,
    taskDefinitionArn: tdArn,
    family,
    revision,
    containerDefinitions: [container],
    networkMode: 'awsvpc',
    status: 'ACTIVE',
    registeredAt: world.now(),
    registeredBy: `arn:aws:iam::${account}:role/pulumi`,
  });
  store.families.set(family, revisions);
  store.tags.set(tdArn, [
    { key: 'ferry:sha', value: initialSha },
    { key: 'ferry:digest', value: pushed.digest },
  ]);

  const network = {
    subnets: [`subnet-${env}-a`, `subnet-${env}-b`],
    securityGroups: [`sg-${env}-web`],
    assignPublicIp: false,
  };
  const service: Service = {
    serviceArn: `arn:aws:ecs:${region}:${account}:service/${name}/${serviceName}`,
    serviceName,
    cluster,
    desiredCount,
    taskDefinition: tdArn,
    deploymentConfiguration: {
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
    },
    loadBalancers: [{ targetGroupArn: tgArn, containerName: 'web', containerPort: 8080 }],
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: 'DISABLED',
      },
    },
    healthCheckGracePeriodSeconds: 30,
    createdAt: world.now(),
    deployments: [],
    serviceDeployments: [],
    events: [],
    lbCursor: 0,
  };
  // Stop the tasks of an earlier seed of the same service before replacing it.
  const previous = store.service(cluster, serviceName);
  if (previous)
    for (const t of store.tasksOf(previous))
      if (t.lastStatus !== 'STOPPED') world.ecs.stopTask(t, 'UserInitiated', 'reseeded');
  store.services.set(`${name}/${serviceName}`, service);
  world.ecs.seedSteady(service, pushed.digest);

  world.rds.instances.set(name, {
    identifier: name,
    arn: `arn:aws:rds:${region}:${account}:db:${name}`,
    engine: 'postgres',
    createdAt: world.now(),
    status: 'available',
    region,
    account,
  });

  const descriptor: SeededDescriptor = {
    version: 1,
    app,
    environment: env,
    region,
    accountId: account,
    cluster: name,
    services: [
      {
        name: serviceName,
        container: 'web',
        baseUrl: `${world.endpoint}/_lb/${serviceName}`,
        targetGroupArn: tgArn,
      },
    ],
    repository: { name, uri: repo.repositoryUri },
    database: { identifier: name, kind: 'instance' },
    taskDefinitionFamily: family,
    network,
  };
  world.ssm.put({
    Name: `/ferry/${app}/${env}/descriptor`,
    Type: 'String',
    Value: JSON.stringify(descriptor),
    LastModifiedDate: world.now(),
    LastModifiedUser: `arn:aws:iam::${account}:role/pulumi`,
    DataType: 'text',
    Tier: 'Standard',
  });
  return descriptor;
}

/** Creates everything the stacks would for each environment of `app`, already running `initialSha`. */
export async function seedApp(
  world: World,
  body: unknown,
): Promise<{ descriptors: Record<string, SeededDescriptor> }> {
  const req = validateSeed(body);
  const descriptors: Record<string, SeededDescriptor> = {};
  for (const env of req.environments) descriptors[env] = await seedEnvironment(world, req, env);
  return { descriptors };
}
