import { isValidName, NAME_RULE } from '../config/name-rule.ts';
import type { Descriptor } from '../config/schema.ts';
import type { ContainerDefinition, Service } from './ecs/model.ts';
import { stackWorld } from './stack-world/cache.ts';
import type { ServiceSettings, StackWorld, TaskDefinitionSettings } from './stack-world/extract.ts';
import { pushSyntheticImage } from './synthetic-image.ts';
import type { World } from './world.ts';

export interface SeedRequest {
  app: string;
  environments?: string[];
  /**
   * Tasks per service. Unlike the rest of the world this is not the stacks' value: rollouts in the
   * sandbox's tests are judged with two tasks each. @default 2
   */
  desiredCount?: number;
  initialSha?: string;
  region?: string;
  /** The stacks' `operatorPrincipals` setting: who may assume the deploy roles with sts:AssumeRole. */
  operatorPrincipals?: string[];
  /**
   * The stacks' `worker` setting: a worker service `<app>-<env>-worker` (its own task family,
   * no load balancer) next to the web one, both released by ferry. @default false
   */
  worker?: boolean;
}

/** The environment descriptor of docs/architecture.md, as the stacks would write it. */
export type SeededDescriptor = Descriptor;

export function validateSeed(body: unknown): Required<SeedRequest> {
  const b = (body ?? {}) as SeedRequest;
  if (typeof b.app !== 'string' || !isValidName(b.app)) throw new Error(`app: ${NAME_RULE}`);
  const environments = b.environments ?? ['staging', 'production'];
  if (!Array.isArray(environments) || environments.some((e) => typeof e !== 'string' || !isValidName(e))) {
    throw new Error(`environments must be names such as "staging"; ${NAME_RULE}`);
  }
  const desiredCount = b.desiredCount ?? 2;
  const operatorPrincipals = b.operatorPrincipals ?? [];
  if (!Array.isArray(operatorPrincipals) || operatorPrincipals.some((p) => typeof p !== 'string'))
    throw new Error('operatorPrincipals must be an array of IAM ARNs');
  if (!Number.isInteger(desiredCount) || desiredCount < 1 || desiredCount > 10)
    throw new Error('desiredCount must be 1-10');
  const initialSha = b.initialSha ?? '0'.repeat(40);
  if (!/^[0-9a-f]{7,40}$/.test(initialSha))
    throw new Error('initialSha must be 7-40 lowercase hex characters');
  if (b.worker !== undefined && typeof b.worker !== 'boolean')
    throw new Error('worker must be true or false');
  return {
    app: b.app,
    environments,
    desiredCount,
    initialSha,
    region: b.region ?? 'eu-west-1',
    operatorPrincipals,
    worker: b.worker ?? false,
  };
}

export function accountFor(env: string): string {
  return env === 'production' ? '222222222222' : '111111111111';
}

/** The image and version the seeded revision runs, in the stacks' container definition. */
function withImage(
  containers: Record<string, unknown>[],
  containerName: string,
  image: string,
  sha: string,
): ContainerDefinition[] {
  return containers.map((c) => {
    if (c.name !== containerName) return c as unknown as ContainerDefinition;
    const env = ((c.environment as { name: string; value: string }[] | undefined) ?? []).filter(
      (e) => e.name !== 'APP_VERSION',
    );
    return {
      ...c,
      image,
      environment: [{ name: 'APP_VERSION', value: sha }, ...env],
    } as unknown as ContainerDefinition;
  });
}

async function seedEnvironment(
  world: World,
  req: Required<SeedRequest>,
  spec: StackWorld,
): Promise<SeededDescriptor> {
  const { app, initialSha, desiredCount } = req;
  const { account, region } = spec;
  const env = spec.environment;
  const name = spec.repository.name;
  for (const role of spec.roles) world.iam.putRole(role);
  const repo =
    world.ecr.repositories.get(name) ??
    world.ecr.createRepository(name, account, region, {
      immutable: spec.repository.immutable,
      scanOnPush: spec.repository.scanOnPush,
    });
  const pushed = await pushSyntheticImage(world.registry, name, initialSha, `${name} ${initialSha}`);
  world.ecr.notePushed(name, pushed.digest, true);

  const store = world.ecs.store;
  const cluster = store.cluster(spec.cluster.name) ?? store.addCluster(spec.cluster.name, account, region);
  const tg = spec.targetGroup;
  store.targetGroups.set(tg.arn, { ...tg });
  const image = { uri: repo.repositoryUri, digest: pushed.digest };
  const target = { spec, cluster, initialSha, desiredCount, image };
  for (const s of [{ service: spec.service, taskDefinition: spec.taskDefinition }, ...spec.others]) {
    seedService(world, target, s.service, s.taskDefinition);
  }

  const dbId = spec.database.identifier;
  const secret = world.secrets.forDatabase(dbId, region, account, world.now());
  world.rds.instances.set(dbId, {
    identifier: dbId,
    arn: `arn:aws:rds:${region}:${account}:db:${dbId}`,
    engine: spec.database.engine,
    createdAt: world.now(),
    status: 'available',
    region,
    account,
    masterUserSecretArn: secret.arn,
  });

  // The load balancer's DNS name and the registry host become the sandbox's own endpoints.
  const descriptor: SeededDescriptor = {
    ...spec.descriptor,
    repository: { ...spec.descriptor.repository, uri: repo.repositoryUri },
    services: spec.descriptor.services.map((s) =>
      s.baseUrl ? { ...s, baseUrl: `${world.endpoint}/_lb/${s.name}` } : s,
    ),
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

/** One service with its task family, running the seeded image steadily (the web service, or a worker). */
function seedService(
  world: World,
  t: {
    spec: StackWorld;
    cluster: NonNullable<ReturnType<World['ecs']['store']['cluster']>>;
    initialSha: string;
    desiredCount: number;
    image: { uri: string; digest: string };
  },
  settings: ServiceSettings,
  taskDefinition: TaskDefinitionSettings,
): void {
  const { spec, cluster } = t;
  const { account, region } = spec;
  const store = world.ecs.store;
  const serviceName = settings.name;
  const containerName = settings.loadBalancers[0]?.containerName ?? serviceContainer(spec, serviceName);
  const family = taskDefinition.family;
  const revisions = store.families.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const tdArn = `arn:aws:ecs:${region}:${account}:task-definition/${family}:${revision}`;
  const { containerDefinitions, ...registered } = taskDefinition;
  const containers = withImage(
    containerDefinitions,
    containerName,
    `${t.image.uri}@${t.image.digest}`,
    t.initialSha,
  );
  revisions.push({
    registered: { ...registered, containerDefinitions: containers },
    taskDefinitionArn: tdArn,
    family,
    revision,
    containerDefinitions: containers,
    networkMode: taskDefinition.networkMode,
    status: 'ACTIVE',
    registeredAt: world.now(),
    registeredBy: `arn:aws:iam::${account}:role/pulumi`,
  });
  store.families.set(family, revisions);
  store.tags.set(tdArn, [
    { key: 'ferry:sha', value: t.initialSha },
    { key: 'ferry:digest', value: t.image.digest },
  ]);

  const network = spec.descriptor.network;
  // The stacks' deployment alarms watch the load balancer: a worker has none.
  const behindLoadBalancer = settings.loadBalancers.length > 0;
  const service: Service = {
    serviceArn: `arn:aws:ecs:${region}:${account}:service/${cluster.clusterName}/${serviceName}`,
    serviceName,
    cluster,
    desiredCount: t.desiredCount ?? settings.desiredCount,
    taskDefinition: tdArn,
    deploymentConfiguration: {
      minimumHealthyPercent: settings.minimumHealthyPercent,
      maximumPercent: settings.maximumPercent,
      deploymentCircuitBreaker: settings.circuitBreaker,
      ...(behindLoadBalancer
        ? {
            alarms: {
              alarmNames: seedAlarms(world, spec.repository.name, region, account),
              enable: true,
              rollback: true,
            },
          }
        : {}),
    },
    loadBalancers: settings.loadBalancers,
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: network.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    healthCheckGracePeriodSeconds: settings.healthCheckGracePeriodSeconds,
    createdAt: world.now(),
    deployments: [],
    serviceDeployments: [],
    events: [],
    lbCursor: 0,
  };
  // Stop the tasks of an earlier seed of the same service before replacing it.
  const previous = store.service(cluster, serviceName);
  if (previous)
    for (const task of store.tasksOf(previous))
      if (task.lastStatus !== 'STOPPED') world.ecs.stopTask(task, 'UserInitiated', 'reseeded');
  store.services.set(`${cluster.clusterName}/${serviceName}`, service);
  world.ecs.seedSteady(service, t.image.digest);
}

/** The container the descriptor names for a service. */
function serviceContainer(spec: StackWorld, serviceName: string): string {
  return spec.descriptor.services.find((s) => s.name === serviceName)?.container ?? 'web';
}

/** The stacks' deployment alarms (`<app>-<env>-target-5xx`, ...), all OK. */
function seedAlarms(world: World, name: string, region: string, account: string): string[] {
  const metrics = {
    'target-5xx': 'HTTPCode_Target_5XX_Count',
    'alb-5xx': 'HTTPCode_ELB_5XX_Count',
    'unhealthy-hosts': 'UnHealthyHostCount',
  };
  return Object.entries(metrics).map(([suffix, metricName]) => {
    const alarmName = `${name}-${suffix}`;
    world.alarms.upsert(
      {
        name: alarmName,
        arn: `arn:aws:cloudwatch:${region}:${account}:alarm:${alarmName}`,
        state: 'OK',
        reason: 'Threshold Crossed: no datapoints were breaching',
        metricName,
      },
      world.now(),
    );
    return alarmName;
  });
}

/** Creates everything the stacks would for each environment of `app`, already running `initialSha`. */
export async function seedApp(
  world: World,
  body: unknown,
): Promise<{ descriptors: Record<string, SeededDescriptor> }> {
  const req = validateSeed(body);
  const descriptors: Record<string, SeededDescriptor> = {};
  for (const env of req.environments) {
    const spec = await stackWorld(req.app, {
      environment: env,
      account: accountFor(env),
      region: req.region,
      config: {
        ...(req.operatorPrincipals.length > 0
          ? { 'ferry-stacks:operatorPrincipals': req.operatorPrincipals.join(',') }
          : {}),
        ...(req.worker ? { 'ferry-stacks:worker': 'true' } : {}),
      },
    });
    descriptors[env] = await seedEnvironment(world, req, spec);
  }
  return { descriptors };
}
