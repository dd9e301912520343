/**
 * The ports the release pipeline talks to. src/aws implements them over the SDK;
 * tests implement them with in-memory fakes. Shapes are ferry's own (camelCase,
 * only what the pipeline reads), not the SDK's.
 */

import type { Descriptor } from '../config/schema.ts';
import type { Git } from '../migrations/git.ts';

/** Time, injected so tests control it. `sleep` rejects with the signal's reason when aborted. */
export interface Clock {
  now(): Date;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Calls `tick` every `ms` in the background until the returned function is
   * called, without keeping the process alive. Optional: without it, background
   * work (the lock's renewal) happens only at the pipeline's own checkpoints.
   */
  every?(ms: number, tick: () => void): () => void;
}

/** SSM Parameter Store: the descriptor, the lock and the release ledger live here. */
export interface ParameterStore {
  get(name: string): Promise<{ value: string; version: number } | undefined>;
  /** Creates the parameter only if absent (Overwrite=false); false when it already exists. */
  putIfAbsent(name: string, value: string): Promise<boolean>;
  /** Creates or overwrites; returns the new version. */
  put(name: string, value: string): Promise<number>;
  delete(name: string): Promise<void>;
  /** Oldest first, as GetParameterHistory returns them (AWS keeps the last 100). */
  history(name: string): Promise<{ value: string; version: number; lastModified: Date }[]>;
}

/** ECR, read side (image resolution). */
export interface ImageRegistry {
  /** The digest the tag points at, or undefined when the repository has no such tag. */
  findImageByTag(
    repositoryName: string,
    tag: string,
  ): Promise<{ digest: string; pushedAt?: Date } | undefined>;
  /** Whether an image with this digest exists (rollback targets must still exist). */
  hasDigest(repositoryName: string, digest: string): Promise<boolean>;
  /** Every tag in the repository that starts with `prefix` (to expand a short SHA). */
  tagsStartingWith(repositoryName: string, prefix: string): Promise<string[]>;
}

export interface ContainerSnapshot {
  name: string;
  image: string;
  environment: Record<string, string>;
  /** awslogs settings, when the container logs to CloudWatch. */
  logs?: { group: string; region?: string; streamPrefix?: string };
}

export interface TaskDefinitionSnapshot {
  arn: string;
  family: string;
  revision: number;
  status: 'ACTIVE' | 'INACTIVE' | 'DELETE_IN_PROGRESS';
  containers: ContainerSnapshot[];
  /** ferry:sha / ferry:digest and any other tags. */
  tags: Record<string, string>;
  /** The roles RegisterTaskDefinition and RunTask pass (iam:PassRole). */
  executionRoleArn?: string;
  taskRoleArn?: string;
}

export interface DeploymentSnapshot {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinitionArn: string;
  rolloutState?: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
  rolloutStateReason?: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  failedTasks: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ServiceEventSnapshot {
  id: string;
  createdAt: Date;
  message: string;
}

export interface ServiceSnapshot {
  name: string;
  arn: string;
  status: string;
  taskDefinitionArn: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  deployments: DeploymentSnapshot[];
  /** Newest first, as ECS returns them. */
  events: ServiceEventSnapshot[];
  /** ARN for DescribeServiceDeployments, when ECS reports one. */
  currentServiceDeploymentArn?: string;
  /** The service's deploymentConfiguration as ECS reports it. */
  deploymentConfiguration?: DeploymentSettings;
}

export interface DeploymentSettings {
  minimumHealthyPercent?: number;
  maximumPercent?: number;
  circuitBreaker?: { enable: boolean; rollback: boolean };
  /** CloudWatch alarms that fail (and with `rollback`, roll back) a deployment. */
  alarms?: { names: string[]; enable: boolean; rollback: boolean };
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'IN_PROGRESS'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

export interface TaskSnapshot {
  arn: string;
  taskDefinitionArn: string;
  lastStatus: string;
  desiredStatus: string;
  startedBy?: string;
  stopCode?: string;
  stoppedReason?: string;
  stoppedAt?: Date;
  containers: { name: string; exitCode?: number; reason?: string; lastStatus?: string }[];
  /** Private IP of the task's ENI: the id the target group knows it by. */
  privateIp?: string;
}

export interface NetworkSettings {
  subnets: string[];
  securityGroups: string[];
  assignPublicIp: boolean;
}

/** ECS. UpdateService always sends min 100 / max 200 and the circuit breaker with rollback. */
export interface ContainerService {
  /** Latest ACTIVE revision of the family (or one revision by ARN), with tags. */
  describeTaskDefinition(familyOrArn: string): Promise<TaskDefinitionSnapshot>;
  /**
   * Registers a new revision copied (by allow-list) from `base`, with only the
   * container's image and environment changes applied, tagged with `tags`.
   */
  registerRevision(input: {
    baseArn: string;
    container: string;
    image: string;
    environment: Record<string, string>;
    tags: Record<string, string>;
  }): Promise<TaskDefinitionSnapshot>;
  describeService(cluster: string, service: string): Promise<ServiceSnapshot>;
  /** Returns the id of the deployment UpdateService created (the PRIMARY one in its response). */
  updateService(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<{ deploymentId: string }>;
  describeServiceDeployment(
    arn: string,
  ): Promise<{ status: ServiceDeploymentStatus; statusReason?: string } | undefined>;
  /** Starts one task; throws TaskNotStartedError (port-errors.ts) when ECS answers without starting it. */
  runTask(input: {
    cluster: string;
    taskDefinitionArn: string;
    container: string;
    command: string[];
    network: NetworkSettings;
    startedBy: string;
  }): Promise<TaskSnapshot>;
  describeTask(cluster: string, taskArn: string): Promise<TaskSnapshot | undefined>;
  /** Tasks of the service that stopped since `since` (newest first), for failure reasons. */
  listStoppedTasks(cluster: string, service: string, since: Date): Promise<TaskSnapshot[]>;
  /** Running tasks of the service. */
  listRunningTasks(cluster: string, service: string): Promise<TaskSnapshot[]>;
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>;
}

export type SnapshotStatus = 'creating' | 'available' | 'failed' | 'deleting' | string;

export interface DbSnapshot {
  id: string;
  status: SnapshotStatus;
  createdAt?: Date;
  percentProgress?: number;
  tags: Record<string, string>;
}

/** RDS (instance or cluster, per the descriptor's database.kind). */
export interface Database {
  describeStatus(identifier: string): Promise<string | undefined>;
  createSnapshot(identifier: string, snapshotId: string, tags: Record<string, string>): Promise<DbSnapshot>;
  describeSnapshot(snapshotId: string): Promise<DbSnapshot | undefined>;
  /** Manual snapshots of this database. */
  listSnapshots(identifier: string): Promise<DbSnapshot[]>;
  deleteSnapshot(snapshotId: string): Promise<void>;
}

export interface TargetHealthSnapshot {
  id: string;
  port?: number;
  state: 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable' | string;
  reason?: string;
  description?: string;
}

/** ELBv2. */
export interface LoadBalancer {
  targetHealth(targetGroupArn: string): Promise<TargetHealthSnapshot[]>;
}

/** CloudWatch Logs, for migration and container output. */
export interface LogReader {
  /** Events of one stream after `nextToken` (forward); empty when the stream does not exist yet. */
  readStream(
    group: string,
    stream: string,
    nextToken?: string,
  ): Promise<{ events: { timestamp: Date; message: string }[]; nextToken?: string }>;
  /**
   * The last `limit` events of one stream, oldest first, in one call; empty when
   * the stream does not exist. Optional: without it the stream is read forward.
   */
  readTail?(group: string, stream: string, limit: number): Promise<{ timestamp: Date; message: string }[]>;
}

export interface AlarmState {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' | string;
  reason?: string;
}

/** CloudWatch alarms, read only: a deployment alarm already in ALARM disables alarm-based rollback. */
export interface AlarmReader {
  /** The named metric alarms that exist (unknown names are left out). */
  describeAlarms(names: string[]): Promise<AlarmState[]>;
}

/** Plain HTTP GET for health probes. */
export interface HttpProbe {
  get(url: string, timeoutMs: number): Promise<{ status: number; body: string } | { error: string }>;
}

/** STS: who ferry is acting as (the ledger's actor, the account check). */
export interface Identity {
  whoAmI(): Promise<{ account: string; arn: string }>;
}

/** Every port the pipeline needs for one environment. */
export interface Ports {
  parameters: ParameterStore;
  registry: ImageRegistry;
  ecs: ContainerService;
  database: Database;
  loadBalancer: LoadBalancer;
  logs: LogReader;
  http: HttpProbe;
  identity: Identity;
  /** Optional so that older fakes keep working; without it ferry cannot see deployment alarms. */
  alarms?: AlarmReader;
}

/**
 * Copies one image, by digest and byte for byte, from the promotion source's
 * repository into this environment's, tagged with its SHA. Never rebuilds.
 */
export interface ImageCopier {
  copy(digest: string, tag: string, signal: AbortSignal): Promise<{ detail: string }>;
}

/** The environment a promotion copies from: its own descriptor and ports (read-only role). */
export interface SourceEnvironment {
  env: string;
  descriptor: Descriptor;
  ports: Ports;
}

/**
 * The app's git history (the config file's repository): which migrations a
 * release adds, and when its commit was made (the ledger keeps it for lead time).
 */
export interface CodeHistory {
  git: Git;
  committedAt(sha: string): Promise<string | undefined>;
}
