/**
 * Turns what the stacks declare (a run under Pulumi mocks) into the sandbox's picture of one
 * environment: the same names, ARNs, settings and IAM documents production gets.
 */
import type { Descriptor } from '../../config/schema.ts';
import { type MockAccount, mockResourceState } from '../../infra/mock-aws.ts';
import type { Json, RecordedResource, StackSnapshot } from '../../infra/model.ts';
import type { PolicyDocument, Role } from '../iam/store.ts';

export interface StackWorld {
  app: string;
  environment: string;
  account: string;
  region: string;
  cluster: { name: string };
  service: {
    name: string;
    desiredCount: number;
    minimumHealthyPercent: number;
    maximumPercent: number;
    circuitBreaker: { enable: boolean; rollback: boolean };
    alarms?: { alarmNames: string[]; enable: boolean; rollback: boolean };
    healthCheckGracePeriodSeconds: number;
    loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[];
  };
  taskDefinition: {
    family: string;
    cpu: string;
    memory: string;
    networkMode: string;
    requiresCompatibilities: string[];
    executionRoleArn: string;
    taskRoleArn: string;
    containerDefinitions: Record<string, Json>[];
  };
  logGroup: { name: string; retentionInDays?: number };
  repository: { name: string; immutable: boolean; scanOnPush: boolean };
  database: { identifier: string; engine: string };
  targetGroup: {
    arn: string;
    name: string;
    port: number;
    healthCheckPath: string;
    intervalSeconds: number;
    healthyThreshold: number;
    unhealthyThreshold: number;
    deregistrationDelaySeconds: number;
  };
  descriptor: Descriptor;
  roles: Role[];
  /** Services next to the first, each with its own task family (the stacks' worker), when declared. */
  others: { service: ServiceSettings; taskDefinition: TaskDefinitionSettings }[];
}

export type ServiceSettings = StackWorld['service'];
export type TaskDefinitionSettings = StackWorld['taskDefinition'];

function serviceSettings(service: Record<string, Json>): ServiceSettings {
  return {
    name: String(service.name),
    desiredCount: Number(service.desiredCount ?? 1),
    // What ECS takes for a setting the service leaves out (not ferry's own settings, which the
    // stacks always send): 100/200 and no circuit breaker.
    minimumHealthyPercent: Number(service.deploymentMinimumHealthyPercent ?? 100),
    maximumPercent: Number(service.deploymentMaximumPercent ?? 200),
    circuitBreaker: (service.deploymentCircuitBreaker as ServiceSettings['circuitBreaker']) ?? {
      enable: false,
      rollback: false,
    },
    ...(service.alarms ? { alarms: service.alarms as NonNullable<ServiceSettings['alarms']> } : {}),
    healthCheckGracePeriodSeconds: Number(service.healthCheckGracePeriodSeconds ?? 0),
    loadBalancers: ((service.loadBalancers as Record<string, Json>[] | undefined) ?? []).map((lb) => ({
      targetGroupArn: String(lb.targetGroupArn),
      containerName: String(lb.containerName),
      containerPort: Number(lb.containerPort),
    })),
  };
}

function taskDefinitionSettings(td: Record<string, Json>): TaskDefinitionSettings {
  return {
    family: String(td.family),
    cpu: String(td.cpu),
    memory: String(td.memory),
    networkMode: String(td.networkMode ?? 'awsvpc'),
    requiresCompatibilities: (td.requiresCompatibilities as string[] | undefined) ?? ['FARGATE'],
    executionRoleArn: String(td.executionRoleArn),
    taskRoleArn: String(td.taskRoleArn),
    containerDefinitions: parse<Record<string, Json>[]>(td.containerDefinitions as Json),
  };
}

/** The services after the first one the descriptor lists, each with the task family it names. */
function otherServices(resources: RecordedResource[], descriptor: Descriptor): StackWorld['others'] {
  const declared = (type: string) => resources.filter((r) => r.custom && r.type === type);
  return descriptor.services.slice(1).map((d) => {
    const service = declared('aws:ecs/service:Service').find((r) => r.inputs.name === d.name);
    const family = d.taskDefinitionFamily ?? descriptor.taskDefinitionFamily;
    const td = declared('aws:ecs/taskDefinition:TaskDefinition').find((r) => r.inputs.family === family);
    if (!service || !td) throw new Error(`the stacks declare no service or task family for ${d.name}`);
    return { service: serviceSettings(service.inputs), taskDefinition: taskDefinitionSettings(td.inputs) };
  });
}

function only(resources: RecordedResource[], type: string): RecordedResource {
  const found = resources.filter((r) => r.custom && r.type === type);
  if (found.length !== 1)
    throw new Error(`the stacks declare ${found.length} ${type}, the sandbox models one`);
  return found[0]!;
}

const parse = <T>(v: Json): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function roles(resources: RecordedResource[], account: MockAccount): Role[] {
  return resources
    .filter((r) => r.custom && r.type === 'aws:iam/role:Role')
    .map((r) => {
      const { state } = mockResourceState(r.type, r.name, r.inputs, account);
      const name = String(state.name);
      const attached = (type: string) =>
        resources.filter((p) => p.custom && p.type === type && p.inputs.role === name);
      return {
        arn: String(state.arn),
        name,
        trustPolicy: parse<PolicyDocument>(r.inputs.assumeRolePolicy),
        inlinePolicies: attached('aws:iam/rolePolicy:RolePolicy').map((p) => ({
          name: String(p.inputs.name ?? p.name),
          document: parse<PolicyDocument>(p.inputs.policy),
        })),
        managedPolicyArns: attached('aws:iam/rolePolicyAttachment:RolePolicyAttachment').map((p) =>
          String(p.inputs.policyArn),
        ),
        maxSessionDurationSeconds: Number(r.inputs.maxSessionDuration ?? 3600),
      };
    });
}

export function extractStackWorld(snapshot: StackSnapshot, account: MockAccount): StackWorld {
  const { resources } = snapshot;
  const descriptor = parse<Descriptor>(snapshot.outputs.descriptor);
  // The first service (behind the load balancer) and its family; a worker is one of the others.
  const first = (type: string, name: string, key: string) => {
    const found = resources.filter((r) => r.custom && r.type === type && r.inputs[key] === name);
    return found.length === 1 ? found[0]! : only(resources, type);
  };
  const service = first('aws:ecs/service:Service', descriptor.services[0]!.name, 'name').inputs;
  const td = first('aws:ecs/taskDefinition:TaskDefinition', descriptor.taskDefinitionFamily, 'family').inputs;
  const tg = only(resources, 'aws:lb/targetGroup:TargetGroup');
  const tgState = mockResourceState(tg.type, tg.name, tg.inputs, account).state;
  const repository = only(resources, 'aws:ecr/repository:Repository').inputs;
  const db = only(resources, 'aws:rds/instance:Instance').inputs;
  const logGroup = only(resources, 'aws:cloudwatch/logGroup:LogGroup').inputs;
  const cluster = only(resources, 'aws:ecs/cluster:Cluster').inputs;
  const health = tg.inputs.healthCheck ?? {};
  return {
    app: descriptor.app,
    environment: descriptor.environment,
    account: account.accountId,
    region: account.region,
    cluster: { name: String(cluster.name) },
    service: serviceSettings(service),
    taskDefinition: taskDefinitionSettings(td),
    logGroup: {
      name: String(logGroup.name),
      ...(logGroup.retentionInDays ? { retentionInDays: Number(logGroup.retentionInDays) } : {}),
    },
    repository: {
      name: String(repository.name),
      immutable: repository.imageTagMutability === 'IMMUTABLE',
      scanOnPush: repository.imageScanningConfiguration?.scanOnPush === true,
    },
    database: { identifier: String(db.identifier), engine: String(db.engine) },
    targetGroup: {
      arn: String(tgState.arn),
      name: String(tgState.name),
      port: Number(tg.inputs.port),
      healthCheckPath: String(health.path ?? '/'),
      intervalSeconds: Number(health.interval ?? 30),
      healthyThreshold: Number(health.healthyThreshold ?? 5),
      unhealthyThreshold: Number(health.unhealthyThreshold ?? 2),
      deregistrationDelaySeconds: Number(tg.inputs.deregistrationDelay ?? 300),
    },
    descriptor,
    roles: roles(resources, account),
    others: otherServices(resources, descriptor),
  };
}

/** The same world for another app name: every name, ARN and path that carried `from` carries `to`. */
export function renameApp<T>(world: T, from: string, to: string): T {
  if (from === to) return world;
  const pattern = new RegExp(`\\b${from}\\b`, 'g');
  return JSON.parse(JSON.stringify(world), (_key, value) =>
    typeof value === 'string' ? value.replace(pattern, to) : value,
  ) as T;
}
