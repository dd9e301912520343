import {
  type Deployment,
  type Service,
  type ServiceDeployment,
  serviceRevisionArn,
  type Task,
  type TaskDefinition,
} from './model.ts';
import type { EcsStore } from './store.ts';

/** Wire shapes of ECS: epoch-second timestamps, absent fields left out. */
const secs = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

export function renderTaskDefinition(td: TaskDefinition) {
  return {
    ...td.registered,
    taskDefinitionArn: td.taskDefinitionArn,
    family: td.family,
    revision: td.revision,
    containerDefinitions: td.containerDefinitions,
    status: td.status,
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
    registeredAt: secs(td.registeredAt),
    registeredBy: td.registeredBy,
    deregisteredAt: secs(td.deregisteredAt),
  };
}

export function renderTask(task: Task) {
  return {
    taskArn: task.taskArn,
    clusterArn: task.cluster.clusterArn,
    taskDefinitionArn: task.taskDefinitionArn,
    group: task.group,
    startedBy: task.startedBy,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    platformFamily: 'Linux',
    connectivity: 'CONNECTED',
    availabilityZone: 'eu-west-1a',
    healthStatus: 'UNKNOWN',
    createdAt: secs(task.createdAt),
    pullStartedAt: secs(task.pullStartedAt),
    pullStoppedAt: secs(task.pullStoppedAt),
    startedAt: secs(task.startedAt),
    stoppingAt: secs(task.stoppingAt),
    executionStoppedAt: secs(task.stoppedAt),
    stoppedAt: secs(task.stoppedAt),
    stopCode: task.stopCode,
    stoppedReason: task.stoppedReason,
    overrides: { containerOverrides: [], inferenceAcceleratorOverrides: [], ...task.overrides },
    containers: task.containers.map((c) => ({
      containerArn: c.containerArn,
      taskArn: task.taskArn,
      name: c.name,
      image: c.image,
      imageDigest: c.imageDigest,
      lastStatus: c.lastStatus,
      exitCode: c.exitCode,
      reason: c.reason,
      healthStatus: 'UNKNOWN',
      networkInterfaces: [{ attachmentId: task.id, privateIpv4Address: task.privateIp }],
    })),
    attachments: [
      {
        id: task.id,
        type: 'ElasticNetworkInterface',
        status: task.lastStatus === 'STOPPED' ? 'DELETED' : 'ATTACHED',
        details: [
          { name: 'subnetId', value: task.subnetId },
          { name: 'privateIPv4Address', value: task.privateIp },
        ],
      },
    ],
    version: 1,
  };
}

function counts(store: EcsStore, service: Service, deploymentId: string) {
  const tasks = store
    .tasksOf(service)
    .filter((t) => t.deploymentId === deploymentId && t.desiredStatus === 'RUNNING');
  return {
    runningCount: tasks.filter((t) => t.lastStatus === 'RUNNING').length,
    pendingCount: tasks.filter((t) => t.lastStatus === 'PROVISIONING' || t.lastStatus === 'PENDING').length,
  };
}

function renderDeployment(store: EcsStore, service: Service, d: Deployment) {
  return {
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    desiredCount: d.status === 'PRIMARY' ? service.desiredCount : 0,
    ...counts(store, service, d.id),
    failedTasks: d.failedTasks,
    createdAt: secs(d.createdAt),
    updatedAt: secs(d.updatedAt),
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    networkConfiguration: d.networkConfiguration,
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
  };
}

export function renderService(store: EcsStore, service: Service) {
  const all = service.deployments.map((d) => renderDeployment(store, service, d));
  return {
    serviceArn: service.serviceArn,
    serviceName: service.serviceName,
    clusterArn: service.cluster.clusterArn,
    loadBalancers: service.loadBalancers,
    status: 'ACTIVE',
    desiredCount: service.desiredCount,
    runningCount: all.reduce((n, d) => n + d.runningCount, 0),
    pendingCount: all.reduce((n, d) => n + d.pendingCount, 0),
    launchType: 'FARGATE',
    platformVersion: 'LATEST',
    taskDefinition: service.taskDefinition,
    deploymentConfiguration: service.deploymentConfiguration,
    deployments: all,
    events: service.events.map((e) => ({ id: e.id, createdAt: secs(e.createdAt), message: e.message })),
    createdAt: secs(service.createdAt),
    networkConfiguration: service.networkConfiguration,
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: 'ECS' },
    currentServiceDeployment: service.serviceDeployments.at(-1)?.arn,
  };
}

function revision(store: EcsStore, service: Service, deploymentId: string) {
  const d = service.deployments.find((x) => x.id === deploymentId);
  const c = counts(store, service, deploymentId);
  return {
    arn: serviceRevisionArn(service, deploymentId),
    requestedTaskCount: d?.status === 'PRIMARY' ? service.desiredCount : 0,
    runningTaskCount: c.runningCount,
    pendingTaskCount: c.pendingCount,
  };
}

export function renderServiceDeployment(store: EcsStore, service: Service, sd: ServiceDeployment) {
  return {
    serviceDeploymentArn: sd.arn,
    serviceArn: service.serviceArn,
    clusterArn: service.cluster.clusterArn,
    createdAt: secs(sd.createdAt),
    startedAt: secs(sd.startedAt),
    finishedAt: secs(sd.finishedAt),
    stoppedAt: secs(sd.stoppedAt),
    updatedAt: secs(sd.updatedAt),
    sourceServiceRevisions: sd.sourceDeploymentIds.map((id) => revision(store, service, id)),
    targetServiceRevision: revision(store, service, sd.targetDeploymentId),
    status: sd.status,
    statusReason: sd.statusReason,
    deploymentConfiguration: service.deploymentConfiguration,
    rollback: sd.rollback && {
      reason: sd.rollback.reason,
      startedAt: secs(sd.rollback.startedAt),
      serviceRevisionArn: sd.rollback.serviceRevisionArn,
    },
    deploymentCircuitBreaker: {
      status: sd.breakerStatus,
      failureCount: sd.failureCount,
      threshold: sd.threshold,
    },
  };
}
