import type { EcsEngine } from '../ecs/engine.ts';
import type { Cluster, ContainerDefinition, Service, Tag, TaskDefinition } from '../ecs/model.ts';
import { renderService, renderServiceDeployment, renderTask, renderTaskDefinition } from '../ecs/render.ts';
import { AwsError, invalidParameter } from '../protocol/errors.ts';
import type { CallContext, JsonService } from '../protocol/types.ts';

type Params = Record<string, unknown>;

function clusterOf(engine: EcsEngine, params: Params): Cluster {
  const cluster = engine.store.cluster(params.cluster as string | undefined);
  if (!cluster) throw new AwsError('ClusterNotFoundException', 'Cluster not found.');
  return cluster;
}

function serviceOf(engine: EcsEngine, params: Params): Service {
  const cluster = clusterOf(engine, params);
  const service = engine.store.service(cluster, String(params.service ?? ''));
  if (!service) throw new AwsError('ServiceNotFoundException', 'Service not found.');
  return service;
}

function taskDefinitionOf(engine: EcsEngine, ref: unknown): TaskDefinition {
  const td = typeof ref === 'string' ? engine.store.taskDefinition(ref) : undefined;
  if (!td) throw new AwsError('ClientException', 'Unable to describe task definition.');
  return td;
}

function tagsOf(engine: EcsEngine, arn: string): Tag[] {
  return engine.store.tags.get(arn) ?? [];
}

function validateTags(tags: unknown): Tag[] {
  const list = (tags as Tag[] | undefined) ?? [];
  for (const t of list) {
    if (typeof t?.key !== 'string' || t.key.length === 0 || t.key.length > 128) {
      throw invalidParameter('Tag keys must be 1 to 128 characters.');
    }
  }
  return list;
}

function mergeTags(engine: EcsEngine, arn: string, tags: Tag[]): void {
  const current = new Map(tagsOf(engine, arn).map((t) => [t.key, t.value]));
  for (const t of tags) current.set(t.key, t.value);
  engine.store.tags.set(
    arn,
    [...current].map(([key, value]) => ({ key, value })),
  );
}

function registerTaskDefinition(engine: EcsEngine, params: Params, ctx: CallContext) {
  const family = String(params.family ?? '');
  if (!/^[a-zA-Z0-9_-]{1,255}$/.test(family)) {
    throw new AwsError(
      'ClientException',
      'Family contains invalid characters or is longer than 255 characters.',
    );
  }
  const containers = params.containerDefinitions as ContainerDefinition[] | undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    throw new AwsError('ClientException', 'Container list cannot be empty.');
  }
  for (const c of containers) {
    if (!c.name || !c.image)
      throw new AwsError(
        'ClientException',
        'Container.name and Container.image should not be null or empty.',
      );
  }
  const revisions = engine.store.families.get(family) ?? [];
  const revision = (revisions.at(-1)?.revision ?? 0) + 1;
  const { tags, ...registered } = params;
  const td: TaskDefinition = {
    registered,
    taskDefinitionArn: `arn:aws:ecs:${ctx.region}:${ctx.caller.account}:task-definition/${family}:${revision}`,
    family,
    revision,
    containerDefinitions: containers,
    networkMode: params.networkMode as string | undefined,
    status: 'ACTIVE',
    registeredAt: engine.now,
    registeredBy: ctx.caller.arn,
  };
  revisions.push(td);
  engine.store.families.set(family, revisions);
  const tagList = validateTags(tags);
  if (tagList.length > 0) mergeTags(engine, td.taskDefinitionArn, tagList);
  return { taskDefinition: renderTaskDefinition(td), tags: tagsOf(engine, td.taskDefinitionArn) };
}

function updateService(engine: EcsEngine, params: Params) {
  const service = serviceOf(engine, params);
  if (params.desiredCount !== undefined) {
    const count = Number(params.desiredCount);
    if (!Number.isInteger(count) || count < 0)
      throw invalidParameter('desiredCount must be a non-negative integer.');
    service.desiredCount = count;
  }
  if (params.healthCheckGracePeriodSeconds !== undefined) {
    service.healthCheckGracePeriodSeconds = Number(params.healthCheckGracePeriodSeconds);
  }
  const config = params.deploymentConfiguration as Partial<Service['deploymentConfiguration']> | undefined;
  if (config) {
    const next = { ...service.deploymentConfiguration, ...config };
    if (next.maximumPercent < 100 || next.minimumHealthyPercent < 0 || next.minimumHealthyPercent > 100) {
      throw invalidParameter('The deployment configuration percentages are out of range.');
    }
    service.deploymentConfiguration = {
      minimumHealthyPercent: next.minimumHealthyPercent,
      maximumPercent: next.maximumPercent,
      deploymentCircuitBreaker: {
        enable: next.deploymentCircuitBreaker?.enable ?? false,
        rollback: next.deploymentCircuitBreaker?.rollback ?? false,
      },
      ...(next.alarms
        ? {
            alarms: {
              alarmNames: [...(next.alarms.alarmNames ?? [])],
              enable: next.alarms.enable ?? false,
              rollback: next.alarms.rollback ?? false,
            },
          }
        : {}),
    };
  }
  let taskDefinition = service.taskDefinition;
  if (params.taskDefinition !== undefined) {
    const td = taskDefinitionOf(engine, params.taskDefinition);
    if (td.status !== 'ACTIVE') throw invalidParameter('TaskDefinition is inactive');
    taskDefinition = td.taskDefinitionArn;
  }
  if (taskDefinition !== service.taskDefinition || params.forceNewDeployment === true) {
    engine.startDeployment(service, taskDefinition);
  }
  return { service: renderService(engine.store, service) };
}

function runTask(engine: EcsEngine, params: Params) {
  const cluster = clusterOf(engine, params);
  if (params.launchType !== undefined && params.capacityProviderStrategy !== undefined) {
    throw invalidParameter('Specifying both a launch type and capacity provider strategy is not supported.');
  }
  const overrides = (params.overrides as Record<string, unknown> | undefined) ?? {};
  if (JSON.stringify(overrides.containerOverrides ?? []).length > 8192) {
    throw invalidParameter('Container Overrides length must be at most 8192');
  }
  const count = Number(params.count ?? 1);
  if (!Number.isInteger(count) || count < 1 || count > 10)
    throw invalidParameter('count must be between 1 and 10.');
  const ref = String(params.taskDefinition ?? '');
  const td = engine.store.taskDefinition(ref);
  if (td?.status !== 'ACTIVE') {
    return {
      tasks: [],
      failures: [{ arn: ref, reason: 'MISSING', detail: `TaskDefinition not found: ${ref}` }],
    };
  }
  const awsvpc = (params.networkConfiguration as { awsvpcConfiguration?: { subnets?: string[] } } | undefined)
    ?.awsvpcConfiguration;
  if (td.networkMode === 'awsvpc' && (!awsvpc?.subnets || awsvpc.subnets.length === 0)) {
    throw invalidParameter("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
  }
  const tasks = [];
  for (let i = 0; i < count; i++) {
    const task = engine.launchTask({
      cluster,
      taskDefinition: td,
      overrides,
      startedBy: params.startedBy as string | undefined,
      group: params.group as string | undefined,
      subnetId: awsvpc?.subnets?.[0],
    });
    if (params.tags) mergeTags(engine, task.taskArn, validateTags(params.tags));
    tasks.push(renderTask(task));
  }
  return { tasks, failures: [] };
}

export function ecsService(engine: EcsEngine): JsonService {
  const store = engine.store;
  return {
    service: 'ecs',
    targetPrefix: 'AmazonEC2ContainerServiceV20141113',
    operations: {
      DescribeClusters: (params) => {
        const refs = (params.clusters as string[] | undefined) ?? ['default'];
        const clusters = [];
        const failures = [];
        for (const ref of refs) {
          const c = store.cluster(ref);
          if (!c) {
            failures.push({ arn: ref, reason: 'MISSING' });
            continue;
          }
          const tasks = [...store.tasks.values()].filter(
            (t) => t.cluster === c && t.lastStatus !== 'STOPPED',
          );
          clusters.push({
            clusterArn: c.clusterArn,
            clusterName: c.clusterName,
            status: 'ACTIVE',
            registeredContainerInstancesCount: 0,
            runningTasksCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
            pendingTasksCount: tasks.filter((t) => t.lastStatus !== 'RUNNING').length,
            activeServicesCount: [...store.services.values()].filter((s) => s.cluster === c).length,
            capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
          });
        }
        return { clusters, failures };
      },
      DescribeServices: (params) => {
        const cluster = clusterOf(engine, params);
        const services = [];
        const failures = [];
        for (const ref of (params.services as string[] | undefined) ?? []) {
          const s = store.service(cluster, ref);
          if (s) services.push(renderService(store, s));
          else failures.push({ arn: ref, reason: 'MISSING' });
        }
        return { services, failures };
      },
      UpdateService: (params) => updateService(engine, params),
      RegisterTaskDefinition: (params, ctx) => registerTaskDefinition(engine, params, ctx),
      DescribeTaskDefinition: (params) => {
        const td = taskDefinitionOf(engine, params.taskDefinition);
        const include = (params.include as string[] | undefined) ?? [];
        return {
          taskDefinition: renderTaskDefinition(td),
          tags: include.includes('TAGS') ? tagsOf(engine, td.taskDefinitionArn) : undefined,
        };
      },
      DeregisterTaskDefinition: (params) => {
        const td = taskDefinitionOf(engine, params.taskDefinition);
        if (!/:\d+$/.test(String(params.taskDefinition)))
          throw new AwsError('ClientException', 'A revision is required.');
        td.status = 'INACTIVE';
        td.deregisteredAt = engine.now;
        return { taskDefinition: renderTaskDefinition(td) };
      },
      ListTaskDefinitions: (params) => {
        const prefix = params.familyPrefix as string | undefined;
        const status = String(params.status ?? 'ACTIVE');
        let all = [...store.families.entries()]
          .filter(([family]) => prefix === undefined || family === prefix)
          .flatMap(([, revisions]) => revisions)
          .filter((td) => td.status === status)
          .sort((a, b) => a.family.localeCompare(b.family) || a.revision - b.revision);
        if (params.sort === 'DESC') all = all.reverse();
        const start = Number(params.nextToken ?? 0);
        const max = Number(params.maxResults ?? 100);
        const page = all.slice(start, start + max);
        return {
          taskDefinitionArns: page.map((td) => td.taskDefinitionArn),
          nextToken: start + max < all.length ? String(start + max) : undefined,
        };
      },
      TagResource: (params) => {
        const arn = String(params.resourceArn ?? '');
        if (!arn.startsWith('arn:aws:ecs:')) throw invalidParameter('The ARN provided is invalid.');
        mergeTags(engine, arn, validateTags(params.tags));
        return {};
      },
      ListTagsForResource: (params) => ({ tags: tagsOf(engine, String(params.resourceArn ?? '')) }),
      RunTask: (params) => runTask(engine, params),
      DescribeTasks: (params) => {
        const cluster = clusterOf(engine, params);
        const tasks = [];
        const failures = [];
        for (const ref of (params.tasks as string[] | undefined) ?? []) {
          const id = ref.split('/').pop();
          const task = [...store.tasks.values()].find((t) => t.cluster === cluster && t.id === id);
          if (task) {
            const include = (params.include as string[] | undefined) ?? [];
            tasks.push({
              ...renderTask(task),
              tags: include.includes('TAGS') ? tagsOf(engine, task.taskArn) : undefined,
            });
          } else failures.push({ arn: ref, reason: 'MISSING' });
        }
        return { tasks, failures };
      },
      ListTasks: (params) => {
        const cluster = clusterOf(engine, params);
        const desired = String(params.desiredStatus ?? 'RUNNING');
        if (params.serviceName !== undefined && !store.service(cluster, String(params.serviceName))) {
          throw new AwsError('ServiceNotFoundException', 'Service not found.');
        }
        const family = params.family as string | undefined;
        const arns = [...store.tasks.values()]
          .filter(
            (t) =>
              t.cluster === cluster &&
              t.desiredStatus === desired &&
              (params.serviceName === undefined ||
                t.serviceName === String(params.serviceName).split('/').pop()) &&
              (params.startedBy === undefined || t.startedBy === params.startedBy) &&
              (family === undefined || t.taskDefinitionArn.split('/').pop()?.split(':')[0] === family),
          )
          .map((t) => t.taskArn);
        return { taskArns: arns };
      },
      StopTask: (params) => {
        const cluster = clusterOf(engine, params);
        const id = String(params.task ?? '')
          .split('/')
          .pop();
        const task = [...store.tasks.values()].find((t) => t.cluster === cluster && t.id === id);
        if (!task) throw invalidParameter('The referenced task was not found.');
        engine.stopTask(task, 'UserInitiated', String(params.reason ?? 'Task stopped by user'));
        return { task: renderTask(task) };
      },
      DescribeServiceDeployments: (params) => {
        const found = [];
        const failures = [];
        for (const arn of (params.serviceDeploymentArns as string[] | undefined) ?? []) {
          const service = [...store.services.values()].find((s) =>
            s.serviceDeployments.some((d) => d.arn === arn),
          );
          const sd = service?.serviceDeployments.find((d) => d.arn === arn);
          if (service && sd) found.push(renderServiceDeployment(store, service, sd));
          else failures.push({ arn, reason: 'MISSING' });
        }
        return { serviceDeployments: found, failures };
      },
      ListServiceDeployments: (params) => {
        const service = serviceOf(engine, params);
        const statuses = params.status as string[] | undefined;
        return {
          serviceDeployments: service.serviceDeployments
            .filter((sd) => !statuses || statuses.includes(sd.status))
            .reverse()
            .map((sd) => {
              const full = renderServiceDeployment(store, service, sd);
              return {
                serviceDeploymentArn: full.serviceDeploymentArn,
                serviceArn: full.serviceArn,
                clusterArn: full.clusterArn,
                createdAt: full.createdAt,
                startedAt: full.startedAt,
                finishedAt: full.finishedAt,
                targetServiceRevisionArn: full.targetServiceRevision.arn,
                status: full.status,
              };
            }),
        };
      },
    },
  };
}
