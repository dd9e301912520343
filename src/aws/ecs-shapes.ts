/** Pure translations between ECS SDK shapes and ferry's port shapes. */
import type {
  ContainerDefinition,
  Deployment,
  DeploymentConfiguration,
  KeyValuePair,
  RegisterTaskDefinitionRequest,
  Service,
  Tag,
  Task,
  TaskDefinition,
} from '@aws-sdk/client-ecs';
import { ExitCode, FerryError } from '../errors.ts';
import type {
  ContainerSnapshot,
  DeploymentSettings,
  DeploymentSnapshot,
  ServiceSnapshot,
  TaskDefinitionSnapshot,
  TaskSnapshot,
} from '../pipeline/ports.ts';

/**
 * What a new revision may copy from the base. SDK v3 drops unknown fields
 * silently, so a deny-list would lose whatever a newer API adds; read-only
 * fields (taskDefinitionArn, revision, status, requiresAttributes,
 * compatibilities, registeredAt, registeredBy, deregisteredAt,
 * deleteRequestedAt) are simply not on this list.
 */
export const REVISION_FIELDS = [
  'family',
  'taskRoleArn',
  'executionRoleArn',
  'networkMode',
  'containerDefinitions',
  'volumes',
  'placementConstraints',
  'requiresCompatibilities',
  'cpu',
  'memory',
  'pidMode',
  'ipcMode',
  'proxyConfiguration',
  'inferenceAccelerators',
  'ephemeralStorage',
  'runtimePlatform',
  'enableFaultInjection',
] as const satisfies readonly (keyof RegisterTaskDefinitionRequest & keyof TaskDefinition)[];

export interface RevisionChange {
  container: string;
  image: string;
  environment: Record<string, string>;
  tags: Record<string, string>;
}

/** The RegisterTaskDefinition input: `base` copied by allow-list, one container's image and environment changed. */
export function revisionRequest(
  base: TaskDefinition,
  baseTags: Tag[] | undefined,
  change: RevisionChange,
): RegisterTaskDefinitionRequest {
  const copy: Record<string, unknown> = {};
  for (const field of REVISION_FIELDS) {
    if (base[field] !== undefined) copy[field] = structuredClone(base[field]);
  }
  const containers = (copy.containerDefinitions ?? []) as ContainerDefinition[];
  const target = containers.find((c) => c.name === change.container);
  if (!target) {
    throw new FerryError(
      `Task definition ${base.taskDefinitionArn ?? base.family} has no container named "${change.container}" (it has: ${containers.map((c) => c.name).join(', ') || 'none'}).`,
      ExitCode.Usage,
      ["Check the descriptor's `services[].container`."],
    );
  }
  target.image = change.image;
  target.environment = mergeEnvironment(target.environment, change.environment);
  const tags = toTagList({ ...fromTagList(baseTags, { dropAwsReserved: true }), ...change.tags });
  return { ...(copy as unknown as RegisterTaskDefinitionRequest), ...(tags.length > 0 ? { tags } : {}) };
}

/** Existing variables keep their order and values unless changed; new ones are appended. */
export function mergeEnvironment(
  existing: KeyValuePair[] | undefined,
  changes: Record<string, string>,
): KeyValuePair[] {
  const pending = new Map(Object.entries(changes));
  const merged = (existing ?? []).map((pair) => {
    if (pair.name !== undefined && pending.has(pair.name)) {
      const value = pending.get(pair.name);
      pending.delete(pair.name);
      return { name: pair.name, value };
    }
    return { ...pair };
  });
  for (const [name, value] of pending) merged.push({ name, value });
  return merged;
}

export function fromTagList(
  tags: Tag[] | undefined,
  options: { dropAwsReserved?: boolean } = {},
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) {
    if (tag.key === undefined) continue;
    // `aws:` keys are set by AWS and refused on input.
    if (options.dropAwsReserved && tag.key.toLowerCase().startsWith('aws:')) continue;
    out[tag.key] = tag.value ?? '';
  }
  return out;
}

export function toTagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([key, value]) => ({ key, value }));
}

export function toTaskDefinitionSnapshot(
  td: TaskDefinition | undefined,
  tags: Tag[] | undefined,
): TaskDefinitionSnapshot {
  if (!td?.taskDefinitionArn) throw new Error('ECS returned no task definition');
  return {
    arn: td.taskDefinitionArn,
    family: td.family ?? '',
    revision: td.revision ?? 0,
    status: (td.status ?? 'ACTIVE') as TaskDefinitionSnapshot['status'],
    containers: (td.containerDefinitions ?? []).map(toContainerSnapshot),
    tags: fromTagList(tags),
    ...(td.executionRoleArn ? { executionRoleArn: td.executionRoleArn } : {}),
    ...(td.taskRoleArn ? { taskRoleArn: td.taskRoleArn } : {}),
  };
}

function toContainerSnapshot(c: ContainerDefinition): ContainerSnapshot {
  const environment: Record<string, string> = {};
  for (const pair of c.environment ?? [])
    if (pair.name !== undefined) environment[pair.name] = pair.value ?? '';
  const snapshot: ContainerSnapshot = { name: c.name ?? '', image: c.image ?? '', environment };
  const log = c.logConfiguration;
  const group = log?.options?.['awslogs-group'];
  if (log?.logDriver === 'awslogs' && group) {
    snapshot.logs = { group };
    const region = log.options?.['awslogs-region'];
    const streamPrefix = log.options?.['awslogs-stream-prefix'];
    if (region) snapshot.logs.region = region;
    if (streamPrefix) snapshot.logs.streamPrefix = streamPrefix;
  }
  return snapshot;
}

export function toDeploymentSnapshot(d: Deployment): DeploymentSnapshot {
  const snapshot: DeploymentSnapshot = {
    id: d.id ?? '',
    status: (d.status ?? 'ACTIVE') as DeploymentSnapshot['status'],
    taskDefinitionArn: d.taskDefinition ?? '',
    desiredCount: d.desiredCount ?? 0,
    runningCount: d.runningCount ?? 0,
    pendingCount: d.pendingCount ?? 0,
    failedTasks: d.failedTasks ?? 0,
    createdAt: d.createdAt ?? new Date(0),
    updatedAt: d.updatedAt ?? d.createdAt ?? new Date(0),
  };
  if (d.rolloutState) snapshot.rolloutState = d.rolloutState;
  if (d.rolloutStateReason) snapshot.rolloutStateReason = d.rolloutStateReason;
  return snapshot;
}

export function toServiceSnapshot(s: Service): ServiceSnapshot {
  const snapshot: ServiceSnapshot = {
    name: s.serviceName ?? '',
    arn: s.serviceArn ?? '',
    status: s.status ?? '',
    taskDefinitionArn: s.taskDefinition ?? '',
    desiredCount: s.desiredCount ?? 0,
    runningCount: s.runningCount ?? 0,
    pendingCount: s.pendingCount ?? 0,
    deployments: (s.deployments ?? []).map(toDeploymentSnapshot),
    events: (s.events ?? []).map((e) => ({
      id: e.id ?? '',
      createdAt: e.createdAt ?? new Date(0),
      message: e.message ?? '',
    })),
  };
  if (s.currentServiceDeployment) snapshot.currentServiceDeploymentArn = s.currentServiceDeployment;
  if (s.deploymentConfiguration)
    snapshot.deploymentConfiguration = toDeploymentSettings(s.deploymentConfiguration);
  return snapshot;
}

export function toDeploymentSettings(c: DeploymentConfiguration): DeploymentSettings {
  const settings: DeploymentSettings = {};
  if (c.minimumHealthyPercent !== undefined) settings.minimumHealthyPercent = c.minimumHealthyPercent;
  if (c.maximumPercent !== undefined) settings.maximumPercent = c.maximumPercent;
  if (c.deploymentCircuitBreaker) {
    settings.circuitBreaker = {
      enable: c.deploymentCircuitBreaker.enable ?? false,
      rollback: c.deploymentCircuitBreaker.rollback ?? false,
    };
  }
  if (c.alarms) {
    settings.alarms = {
      names: [...(c.alarms.alarmNames ?? [])],
      enable: c.alarms.enable ?? false,
      rollback: c.alarms.rollback ?? false,
    };
  }
  return settings;
}

export function toTaskSnapshot(t: Task): TaskSnapshot {
  const snapshot: TaskSnapshot = {
    arn: t.taskArn ?? '',
    taskDefinitionArn: t.taskDefinitionArn ?? '',
    lastStatus: t.lastStatus ?? '',
    desiredStatus: t.desiredStatus ?? '',
    containers: (t.containers ?? []).map((c) => {
      const container: TaskSnapshot['containers'][number] = { name: c.name ?? '' };
      if (c.exitCode !== undefined && c.exitCode !== null) container.exitCode = c.exitCode;
      if (c.reason) container.reason = c.reason;
      if (c.lastStatus) container.lastStatus = c.lastStatus;
      return container;
    }),
  };
  if (t.startedBy) snapshot.startedBy = t.startedBy;
  if (t.stopCode) snapshot.stopCode = t.stopCode;
  if (t.stoppedReason) snapshot.stoppedReason = t.stoppedReason;
  if (t.stoppedAt) snapshot.stoppedAt = t.stoppedAt;
  const privateIp = taskPrivateIp(t);
  if (privateIp) snapshot.privateIp = privateIp;
  return snapshot;
}

/** The awsvpc ENI's address: in the ENI attachment's details, or on a container's network interface. */
export function taskPrivateIp(t: Task): string | undefined {
  for (const attachment of t.attachments ?? []) {
    if (attachment.type !== 'ElasticNetworkInterface') continue;
    const detail = attachment.details?.find((d) => d.name === 'privateIPv4Address');
    if (detail?.value) return detail.value;
  }
  for (const c of t.containers ?? []) {
    const ip = c.networkInterfaces?.find((n) => n.privateIpv4Address)?.privateIpv4Address;
    if (ip) return ip;
  }
  return undefined;
}
