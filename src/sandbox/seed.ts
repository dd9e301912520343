import { randomBytes } from 'node:crypto';
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
  /**
   * The services of each environment, all running the app's image: `<app>-<env>-<name>`,
   * each with its own task family and a container called `name`. A service with
   * `loadBalancer: false` (a worker) has no target group and no baseUrl.
   * Default: one web service behind a load balancer.
   */
  services?: SeedService[];
}

export interface SeedService {
  name: string;
  loadBalancer?: boolean;
}

/** The environment descriptor of DESIGN.md, as the stacks would write it. */
export type SeededDescriptor = Descriptor;

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

type ValidSeed = Required<Omit<SeedRequest, 'services'>> & { services: Required<SeedService>[] };

export function validateSeed(body: unknown): ValidSeed {
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
  const services = b.services ?? [{ name: 'web', loadBalancer: true }];
  if (
    !Array.isArray(services) ||
    services.length === 0 ||
    services.some((s) => typeof s?.name !== 'string' || !NAME.test(s.name))
  ) {
    throw new Error(
      'services must be a non-empty array of {name, loadBalancer?} with names such as "worker"',
    );
  }
  if (new Set(services.map((s) => s.name)).size !== services.length)
    throw new Error('services must have distinct names');
  return {
    app: b.app,
    environments,
    desiredCount,
    initialSha,
    region: b.region ?? 'eu-west-1',
    services: services.map((s) => ({ name: s.name, loadBalancer: s.loadBalancer !== false })),
  };
}

function accountFor(env: string): string {
  return env === 'production' ? '222222222222' : '111111111111';
}

async function seedEnvironment(world: World, req: ValidSeed, env: string): Promise<SeededDescriptor> {
  const { app, region, initialSha, desiredCount } = req;
  const account = accountFor(env);
  const name = `${app}-${env}`;
  const repo =
    world.ecr.repositories.get(name) ??
    world.ecr.createRepository(name, account, region, { immutable: true, scanOnPush: true });
  const pushed = await pushSyntheticImage(world.registry, name, initialSha, `${name} ${initialSha}`);
  world.ecr.notePushed(name, pushed.digest, true);

  const store = world.ecs.store;
  const cluster = store.cluster(name) ?? store.addCluster(name, account, region);
  const network = {
    subnets: [`subnet-${env}-a`, `subnet-${env}-b`],
    securityGroups: [`sg-${env}-web`],
    assignPublicIp: false,
  };
  const seeded: Descriptor['services'] = [];
  for (const role of req.services) {
    seeded.push(
      seedService(world, { name, account, region, initialSha, desiredCount, network, cluster }, role, {
        uri: repo.repositoryUri,
        digest: pushed.digest,
      }),
    );
  }
  // One service keeps the descriptor's single-service shape; several name their own families.
  if (seeded.length === 1) delete seeded[0]!.taskDefinitionFamily;

  const secret = world.secrets.forDatabase(name, region, account, world.now());
  world.rds.instances.set(name, {
    identifier: name,
    arn: `arn:aws:rds:${region}:${account}:db:${name}`,
    engine: 'postgres',
    createdAt: world.now(),
    status: 'available',
    region,
    account,
    masterUserSecretArn: secret.arn,
  });

  const descriptor: SeededDescriptor = {
    version: 1,
    app,
    environment: env,
    region,
    accountId: account,
    cluster: name,
    services: seeded,
    repository: { name, uri: repo.repositoryUri },
    database: { identifier: name, kind: 'instance' },
    taskDefinitionFamily: `${name}-${req.services[0]!.name}`,
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

interface SeedTarget {
  name: string;
  account: string;
  region: string;
  initialSha: string;
  desiredCount: number;
  network: Descriptor['network'];
  cluster: NonNullable<ReturnType<World['ecs']['store']['cluster']>>;
}

/** One service of the app, with its own task family, running `image` steadily; its descriptor entry. */
function seedService(
  world: World,
  t: SeedTarget,
  role: { name: string; loadBalancer: boolean },
  image: { uri: string; digest: string },
): Descriptor['services'][number] {
  const { name, account, region, initialSha, desiredCount, network, cluster } = t;
  const store = world.ecs.store;
  const serviceName = `${name}-${role.name}`;
  const tgArn = role.loadBalancer
    ? `arn:aws:elasticloadbalancing:${region}:${account}:targetgroup/${serviceName}/${randomBytes(8).toString('hex')}`
    : undefined;
  if (tgArn) {
    store.targetGroups.set(tgArn, {
      arn: tgArn,
      name: serviceName,
      port: 8080,
      healthCheckPath: '/health',
      intervalSeconds: 10,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
      deregistrationDelaySeconds: 30,
    });
  }
  const family = serviceName;
  const revisions = store.families.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const container = {
    name: role.name,
    image: `${image.uri}@${image.digest}`,
    essential: true,
    ...(role.loadBalancer
      ? { portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }] }
      : {}),
    environment: [{ name: 'APP_VERSION', value: initialSha }],
    logConfiguration: {
      logDriver: 'awslogs',
      options: {
        'awslogs-group': `/ecs/${name}`,
        'awslogs-region': region,
        'awslogs-stream-prefix': role.name,
      },
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
    { key: 'ferry:digest', value: image.digest },
  ]);

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
      // The stacks' deployment alarms watch the load balancer: a worker has none.
      ...(tgArn
        ? { alarms: { alarmNames: seedAlarms(world, name, region, account), enable: true, rollback: true } }
        : {}),
    },
    loadBalancers: tgArn ? [{ targetGroupArn: tgArn, containerName: role.name, containerPort: 8080 }] : [],
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: network.subnets,
        securityGroups: network.securityGroups,
        assignPublicIp: 'DISABLED',
      },
    },
    healthCheckGracePeriodSeconds: tgArn ? 30 : 0,
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
  world.ecs.seedSteady(service, image.digest);
  return {
    name: serviceName,
    container: role.name,
    ...(tgArn ? { baseUrl: `${world.endpoint}/_lb/${serviceName}`, targetGroupArn: tgArn } : {}),
    taskDefinitionFamily: family,
  };
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
  for (const env of req.environments) descriptors[env] = await seedEnvironment(world, req, env);
  return { descriptors };
}
