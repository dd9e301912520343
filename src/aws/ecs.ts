/** ContainerService over ECS: task definition revisions, service updates, one-off tasks. */
import {
  type DeploymentAlarms,
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  type DesiredStatus,
  type ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type Task,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { ECS_DEPLOYMENT } from '../config/ecs-deployment.ts';
import { ExitCode, FerryError } from '../errors.ts';
import { TaskNotStartedError } from '../pipeline/port-errors.ts';
import type { ContainerService, ServiceDeploymentStatus, TaskSnapshot } from '../pipeline/ports.ts';
import {
  revisionRequest,
  toServiceSnapshot,
  toTaskDefinitionSnapshot,
  toTaskSnapshot,
} from './ecs-shapes.ts';
import { isAwsError } from './errors.ts';

/** DescribeTasks takes at most 100 tasks a call. */
const DESCRIBE_TASKS_BATCH = 100;

export function createContainerService(client: () => ECSClient): ContainerService {
  const describeTasks = async (cluster: string, taskArns: string[]): Promise<Task[]> => {
    const tasks: Task[] = [];
    for (let i = 0; i < taskArns.length; i += DESCRIBE_TASKS_BATCH) {
      const out = await client().send(
        new DescribeTasksCommand({ cluster, tasks: taskArns.slice(i, i + DESCRIBE_TASKS_BATCH) }),
      );
      tasks.push(...(out.tasks ?? []));
    }
    return tasks;
  };

  const listTasks = async (
    cluster: string,
    serviceName: string,
    desiredStatus: DesiredStatus,
  ): Promise<Task[]> => {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const out = await client().send(
        new ListTasksCommand({ cluster, serviceName, desiredStatus, nextToken }),
      );
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
    } while (nextToken);
    return arns.length > 0 ? describeTasks(cluster, arns) : [];
  };

  const describeTaskDefinition = async (familyOrArn: string) => {
    try {
      return await client().send(
        new DescribeTaskDefinitionCommand({ taskDefinition: familyOrArn, include: ['TAGS'] }),
      );
    } catch (err) {
      if (isAwsError(err, 'ClientException') && /unable to describe task definition/i.test(String(err))) {
        throw new FerryError(`ECS task definition ${familyOrArn} does not exist.`, ExitCode.Usage, [
          "Check the descriptor's `taskDefinitionFamily`, the region and the account.",
        ]);
      }
      throw err;
    }
  };

  return {
    async describeTaskDefinition(familyOrArn) {
      const out = await describeTaskDefinition(familyOrArn);
      return toTaskDefinitionSnapshot(out.taskDefinition, out.tags);
    },

    async registerRevision({ baseArn, container, image, environment, tags }) {
      const base = await describeTaskDefinition(baseArn);
      if (!base.taskDefinition) throw new Error(`ECS returned no task definition for ${baseArn}`);
      const input = revisionRequest(base.taskDefinition, base.tags, { container, image, environment, tags });
      const out = await client().send(new RegisterTaskDefinitionCommand(input));
      return toTaskDefinitionSnapshot(out.taskDefinition, out.tags);
    },

    async describeService(cluster, service) {
      let out: DescribeServicesCommandOutput;
      try {
        out = await client().send(new DescribeServicesCommand({ cluster, services: [service] }));
      } catch (err) {
        if (isAwsError(err, 'ClusterNotFoundException')) throw clusterNotFound(cluster);
        throw err;
      }
      const found = out.services?.find((s) => s.serviceName === service || s.serviceArn === service);
      if (!found || found.status === 'INACTIVE') {
        throw new FerryError(`ECS service ${service} does not exist in cluster ${cluster}.`, ExitCode.Usage, [
          "Check the descriptor's `cluster` and `services[].name`.",
        ]);
      }
      return toServiceSnapshot(found);
    },

    async updateService(cluster, service, taskDefinitionArn) {
      // AWS's documentation does not say whether a deploymentConfiguration
      // without `alarms` keeps or clears the service's deployment alarms, so
      // ferry sends the alarms the service has (as the stacks set them) along.
      const current = await client().send(new DescribeServicesCommand({ cluster, services: [service] }));
      const alarms = current?.services?.find((s) => s.serviceName === service || s.serviceArn === service)
        ?.deploymentConfiguration?.alarms;
      const out = await client().send(
        new UpdateServiceCommand({
          cluster,
          service,
          taskDefinition: taskDefinitionArn,
          deploymentConfiguration: {
            // Sent with every UpdateService, rollbacks included (docs/architecture.md).
            minimumHealthyPercent: ECS_DEPLOYMENT.minimumHealthyPercent,
            maximumPercent: ECS_DEPLOYMENT.maximumPercent,
            deploymentCircuitBreaker: { ...ECS_DEPLOYMENT.deploymentCircuitBreaker },
            ...(alarms ? { alarms: deploymentAlarms(alarms) } : {}),
          },
        }),
      );
      const primary = out.service?.deployments?.find((d) => d.status === 'PRIMARY');
      if (!primary?.id) throw new Error(`UpdateService on ${service} returned no PRIMARY deployment`);
      return { deploymentId: primary.id };
    },

    async describeServiceDeployment(arn) {
      const out = await client().send(
        new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }),
      );
      const deployment =
        out.serviceDeployments?.find((d) => d.serviceDeploymentArn === arn) ?? out.serviceDeployments?.[0];
      if (!deployment?.status) return undefined;
      const status = deployment.status as ServiceDeploymentStatus;
      return deployment.statusReason ? { status, statusReason: deployment.statusReason } : { status };
    },

    async runTask({ cluster, taskDefinitionArn, container, command, network, startedBy }) {
      const out = await client().send(
        new RunTaskCommand({
          cluster,
          taskDefinition: taskDefinitionArn,
          launchType: 'FARGATE',
          count: 1,
          startedBy,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...network.subnets],
              securityGroups: [...network.securityGroups],
              assignPublicIp: network.assignPublicIp ? 'ENABLED' : 'DISABLED',
            },
          },
          overrides: { containerOverrides: [{ name: container, command: [...command] }] },
        }),
      );
      const task = out.tasks?.[0];
      if (!task || (out.failures?.length ?? 0) > 0) {
        throw new TaskNotStartedError(
          taskDefinitionArn,
          (out.failures ?? []).map((f) => [f.reason, f.detail, f.arn].filter(Boolean).join(' ')),
          "Check the descriptor's network (subnets, security groups) and the cluster's Fargate capacity.",
        );
      }
      return toTaskSnapshot(task);
    },

    async describeTask(cluster, taskArn) {
      const [task] = await describeTasks(cluster, [taskArn]);
      return task ? toTaskSnapshot(task) : undefined;
    },

    async listStoppedTasks(cluster, service, since) {
      const stoppedAt = (t: Task) => (t.stoppedAt ?? t.stoppingAt ?? t.createdAt ?? new Date(0)).getTime();
      return (await listTasks(cluster, service, 'STOPPED'))
        .filter((t) => stoppedAt(t) >= since.getTime())
        .sort((a, b) => stoppedAt(b) - stoppedAt(a))
        .map(toTaskSnapshot);
    },

    async listRunningTasks(cluster, service): Promise<TaskSnapshot[]> {
      return (await listTasks(cluster, service, 'RUNNING')).map(toTaskSnapshot);
    },

    async stopTask(cluster, taskArn, reason) {
      // StopTask's reason is limited to 255 characters.
      await client().send(new StopTaskCommand({ cluster, task: taskArn, reason: reason.slice(0, 255) }));
    },
  };
}

/** The service's alarms as UpdateService takes them: all three fields are required there. */
export function deploymentAlarms(alarms: DeploymentAlarms): Required<DeploymentAlarms> {
  return {
    alarmNames: [...(alarms.alarmNames ?? [])],
    enable: alarms.enable ?? false,
    rollback: alarms.rollback ?? false,
  };
}

function clusterNotFound(cluster: string): FerryError {
  return new FerryError(`ECS cluster ${cluster} does not exist in this account and region.`, ExitCode.Usage, [
    "Check the descriptor's `cluster`, the region and the account.",
  ]);
}
