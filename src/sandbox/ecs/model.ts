/** The simulated ECS world: plain data that the engine advances and the API renders. */

export interface Tag {
  key: string;
  value: string;
}

export interface ContainerDefinition {
  name: string;
  image: string;
  essential?: boolean;
  command?: string[];
  environment?: { name: string; value: string }[];
  portMappings?: { containerPort?: number }[];
  logConfiguration?: { logDriver: string; options?: Record<string, string> };
  [field: string]: unknown;
}

export interface TaskDefinition {
  /** Every field as registered, so DescribeTaskDefinition returns what was given. */
  registered: Record<string, unknown>;
  taskDefinitionArn: string;
  family: string;
  revision: number;
  containerDefinitions: ContainerDefinition[];
  networkMode?: string;
  status: 'ACTIVE' | 'INACTIVE';
  registeredAt: number;
  registeredBy: string;
  deregisteredAt?: number;
}

export interface Cluster {
  clusterArn: string;
  clusterName: string;
  account: string;
  region: string;
}

export interface TargetGroup {
  arn: string;
  name: string;
  port: number;
  healthCheckPath: string;
  intervalSeconds: number;
  healthyThreshold: number;
  unhealthyThreshold: number;
  deregistrationDelaySeconds: number;
}

export type TargetState = 'initial' | 'healthy' | 'unhealthy' | 'draining';

export interface TaskTarget {
  targetGroupArn: string;
  port: number;
  state: TargetState;
  okCount: number;
  failCount: number;
  nextCheckAt: number;
  healthySince?: number;
  drainUntil?: number;
}

export interface TaskContainer {
  name: string;
  containerArn: string;
  image: string;
  imageDigest?: string;
  lastStatus: string;
  essential: boolean;
  exitCode?: number;
  reason?: string;
}

export interface Task {
  taskArn: string;
  id: string;
  cluster: Cluster;
  taskDefinitionArn: string;
  group: string;
  startedBy?: string;
  serviceName?: string;
  deploymentId?: string;
  lastStatus: string;
  desiredStatus: 'RUNNING' | 'STOPPED';
  createdAt: number;
  pullStartedAt?: number;
  pullStoppedAt?: number;
  startedAt?: number;
  stoppingAt?: number;
  stoppedAt?: number;
  stopCode?: string;
  stoppedReason?: string;
  containers: TaskContainer[];
  overrides: Record<string, unknown>;
  privateIp: string;
  subnetId: string;
  /** APP_VERSION of the task's main container. */
  appVersion?: string;
  /** When the next lifecycle step is due (simulated ms). */
  dueAt: number;
  pull: 'pending' | 'ok' | { error: string };
  exitAt?: number;
  exitCode?: number;
  target?: TaskTarget;
  logs?: { group: string; stream: string };
  /** Real mode: the task runs as a real container (not simulated). */
  real?: boolean;
}

export type RolloutState = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';

export interface Deployment {
  id: string;
  status: 'PRIMARY' | 'ACTIVE' | 'INACTIVE';
  taskDefinition: string;
  desiredCount: number;
  failedTasks: number;
  createdAt: number;
  updatedAt: number;
  rolloutState: RolloutState;
  rolloutStateReason: string;
  serviceDeploymentArn: string;
  isRollback: boolean;
  networkConfiguration?: unknown;
}

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'IN_PROGRESS'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED';

export interface ServiceDeployment {
  arn: string;
  createdAt: number;
  startedAt: number;
  updatedAt: number;
  finishedAt?: number;
  stoppedAt?: number;
  status: ServiceDeploymentStatus;
  statusReason?: string;
  targetDeploymentId: string;
  sourceDeploymentIds: string[];
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string };
  breakerStatus: 'MONITORING' | 'TRIGGERED' | 'MONITORING_COMPLETE' | 'DISABLED';
  failureCount: number;
  threshold: number;
}

export interface DeploymentConfiguration {
  minimumHealthyPercent: number;
  maximumPercent: number;
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean };
  /** Deployment alarms: kept as they are by an UpdateService that does not name them. */
  alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
}

export interface ServiceEvent {
  id: string;
  createdAt: number;
  message: string;
}

export interface Service {
  serviceArn: string;
  serviceName: string;
  cluster: Cluster;
  desiredCount: number;
  taskDefinition: string;
  deploymentConfiguration: DeploymentConfiguration;
  loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[];
  networkConfiguration?: unknown;
  healthCheckGracePeriodSeconds: number;
  createdAt: number;
  deployments: Deployment[];
  serviceDeployments: ServiceDeployment[];
  events: ServiceEvent[];
  lastCompleted?: { deploymentId: string; taskDefinition: string };
  /** Round-robin cursor of the service's load balancer. */
  lbCursor: number;
}

export function serviceRevisionArn(service: Service, deploymentId: string): string {
  const { region, account, clusterName } = service.cluster;
  return `arn:aws:ecs:${region}:${account}:service-revision/${clusterName}/${service.serviceName}/${deploymentId.replace('ecs-svc/', '')}`;
}

export function breakerThreshold(desiredCount: number): number {
  return Math.min(200, Math.max(3, Math.ceil(0.5 * desiredCount)));
}
