import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
  StopTaskCommand,
  type TaskDefinition,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createContainerService } from '../../../src/aws/ecs.ts';
import { FerryError } from '../../../src/errors.ts';
import { TaskNotStartedError } from '../../../src/pipeline/port-errors.ts';

const ecsMock = mockClient(ECSClient);
const client = new ECSClient({ region: 'eu-west-1' });
const ecs = createContainerService(() => client);

afterEach(() => ecsMock.reset());

const baseArn = 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:41';

function baseTaskDefinition(): TaskDefinition {
  return {
    taskDefinitionArn: baseArn,
    family: 'shop-staging-web',
    revision: 41,
    status: 'ACTIVE',
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
    compatibilities: ['EC2', 'FARGATE'],
    registeredAt: new Date('2026-11-01T00:00:00Z'),
    registeredBy: 'arn:aws:iam::111111111111:role/pulumi',
    deregisteredAt: new Date('2026-11-02T00:00:00Z'),
    deleteRequestedAt: new Date('2026-11-03T00:00:00Z'),
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
    taskRoleArn: 'arn:aws:iam::111111111111:role/task',
    runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    containerDefinitions: [
      {
        name: 'web',
        image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging@sha256:old',
        essential: true,
        portMappings: [{ containerPort: 8080 }],
        environment: [
          { name: 'APP_VERSION', value: '0000000' },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        secrets: [
          {
            name: 'DB_PASSWORD',
            valueFrom: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db:password::',
          },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/ecs/shop-staging',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'web',
          },
        },
      },
      {
        name: 'sidecar',
        image: 'public.ecr.aws/xray:3',
        environment: [{ name: 'APP_VERSION', value: 'sidecar' }],
      },
    ],
  };
}

const baseTags = [
  { key: 'team', value: 'shop' },
  { key: 'ferry:sha', value: '0000000' },
  { key: 'aws:cloudformation:stack-name', value: 'x' },
];

describe('ECS task definitions', () => {
  it('reads the latest ACTIVE revision of a family with its tags and awslogs settings', async () => {
    ecsMock
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: baseTaskDefinition(), tags: baseTags });
    const td = await ecs.describeTaskDefinition('shop-staging-web');
    expect(ecsMock.commandCalls(DescribeTaskDefinitionCommand)[0]?.args[0].input).toEqual({
      taskDefinition: 'shop-staging-web',
      include: ['TAGS'],
    });
    expect(td).toMatchObject({ arn: baseArn, family: 'shop-staging-web', revision: 41, status: 'ACTIVE' });
    expect(td.tags).toMatchObject({ team: 'shop', 'ferry:sha': '0000000' });
    expect(td.containers[0]).toEqual({
      name: 'web',
      image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging@sha256:old',
      environment: { APP_VERSION: '0000000', LOG_LEVEL: 'info' },
      logs: { group: '/ecs/shop-staging', region: 'eu-west-1', streamPrefix: 'web' },
    });
  });

  it('registers a revision copied by allow-list with only the named container image and environment changed', async () => {
    const base = baseTaskDefinition();
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: base, tags: baseTags });
    ecsMock.on(RegisterTaskDefinitionCommand).callsFake((input) => ({
      taskDefinition: {
        ...input,
        taskDefinitionArn: baseArn.replace(':41', ':42'),
        revision: 42,
        status: 'ACTIVE',
      },
      tags: input.tags,
    }));
    const image = `111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging@sha256:${'c'.repeat(64)}`;
    const registered = await ecs.registerRevision({
      baseArn,
      container: 'web',
      image,
      environment: { APP_VERSION: 'abc1234', NEW_VAR: 'yes' },
      tags: { 'ferry:sha': 'abc1234', 'ferry:digest': `sha256:${'c'.repeat(64)}` },
    });

    const input = ecsMock.commandCalls(RegisterTaskDefinitionCommand)[0]?.args[0].input;
    if (!input) throw new Error('RegisterTaskDefinition was not called');
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'requiresAttributes',
      'compatibilities',
      'registeredAt',
      'registeredBy',
      'deregisteredAt',
      'deleteRequestedAt',
    ]) {
      expect(input).not.toHaveProperty(field);
    }
    expect(input).toMatchObject({
      family: 'shop-staging-web',
      cpu: '512',
      memory: '1024',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: 'arn:aws:iam::111111111111:role/exec',
      taskRoleArn: 'arn:aws:iam::111111111111:role/task',
      runtimePlatform: { cpuArchitecture: 'X86_64', operatingSystemFamily: 'LINUX' },
    });
    const [web, sidecar] = input.containerDefinitions ?? [];
    const [baseWeb, baseSidecar] = baseTaskDefinition().containerDefinitions ?? [];
    expect(web).toEqual({
      ...baseWeb,
      image,
      environment: [
        { name: 'APP_VERSION', value: 'abc1234' },
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'NEW_VAR', value: 'yes' },
      ],
    });
    expect(sidecar).toEqual(baseSidecar);
    expect(input.tags).toEqual([
      { key: 'team', value: 'shop' },
      { key: 'ferry:sha', value: 'abc1234' },
      { key: 'ferry:digest', value: `sha256:${'c'.repeat(64)}` },
    ]);
    // The base revision object is not mutated.
    expect(base.containerDefinitions?.[0]?.image).toContain('sha256:old');
    expect(registered).toMatchObject({ revision: 42, tags: { 'ferry:sha': 'abc1234' } });
    expect(registered.containers[0]?.environment.APP_VERSION).toBe('abc1234');
  });

  it('refuses to register when the base has no container by that name', async () => {
    ecsMock.on(DescribeTaskDefinitionCommand).resolves({ taskDefinition: baseTaskDefinition(), tags: [] });
    const err = await ecs
      .registerRevision({ baseArn, container: 'api', image: 'x@sha256:1', environment: {}, tags: {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).message).toMatch(/no container named "api".*web, sidecar/);
    expect(ecsMock.commandCalls(RegisterTaskDefinitionCommand)).toHaveLength(0);
  });
});

describe('ECS services', () => {
  const deployment = (id: string, status: string, td: string) => ({
    id,
    status,
    taskDefinition: td,
    desiredCount: 2,
    runningCount: 1,
    pendingCount: 1,
    failedTasks: 0,
    rolloutState: 'IN_PROGRESS' as const,
    createdAt: new Date('2026-11-22T10:00:00Z'),
    updatedAt: new Date('2026-11-22T10:01:00Z'),
  });

  it('always sends min 100 / max 200 with the circuit breaker rolling back, and returns the PRIMARY deployment id', async () => {
    ecsMock.on(UpdateServiceCommand).resolves({
      service: {
        serviceName: 'shop-staging-web',
        deployments: [
          deployment('ecs-svc/old', 'ACTIVE', 'td:41'),
          deployment('ecs-svc/new', 'PRIMARY', 'td:42'),
        ],
      },
    });
    const result = await ecs.updateService('shop-staging', 'shop-staging-web', 'td:42');
    expect(result).toEqual({ deploymentId: 'ecs-svc/new' });
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input).toEqual({
      cluster: 'shop-staging',
      service: 'shop-staging-web',
      taskDefinition: 'td:42',
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    });
  });

  it("sends the service's own deployment alarms along, so UpdateService never drops alarm-based rollback", async () => {
    const alarms = { alarmNames: ['shop-staging-target-5xx'], enable: true, rollback: true };
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [{ serviceName: 'shop-staging-web', deploymentConfiguration: { alarms } }],
    });
    ecsMock.on(UpdateServiceCommand).resolves({
      service: {
        serviceName: 'shop-staging-web',
        deployments: [deployment('ecs-svc/new', 'PRIMARY', 'td:42')],
      },
    });
    await ecs.updateService('shop-staging', 'shop-staging-web', 'td:42');
    expect(ecsMock.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration).toEqual({
      minimumHealthyPercent: 100,
      maximumPercent: 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      alarms,
    });
  });

  it('maps a service with its deployments, events and current service deployment', async () => {
    ecsMock.on(DescribeServicesCommand).resolves({
      services: [
        {
          serviceName: 'shop-staging-web',
          serviceArn: 'arn:svc',
          status: 'ACTIVE',
          taskDefinition: 'td:42',
          desiredCount: 2,
          runningCount: 2,
          pendingCount: 0,
          currentServiceDeployment: 'arn:aws:ecs:eu-west-1:111111111111:service-deployment/shop/web/abc',
          deployments: [
            {
              ...deployment('ecs-svc/new', 'PRIMARY', 'td:42'),
              rolloutState: 'FAILED',
              rolloutStateReason: 'circuit breaker',
            },
          ],
          events: [
            { id: 'e2', createdAt: new Date('2026-11-22T10:02:00Z'), message: 'newest' },
            { id: 'e1', message: 'older' },
          ],
        },
      ],
    });
    const service = await ecs.describeService('shop-staging', 'shop-staging-web');
    expect(service.currentServiceDeploymentArn).toContain('service-deployment');
    expect(service.deployments[0]).toMatchObject({
      id: 'ecs-svc/new',
      status: 'PRIMARY',
      taskDefinitionArn: 'td:42',
      rolloutState: 'FAILED',
      rolloutStateReason: 'circuit breaker',
      failedTasks: 0,
    });
    expect(service.events.map((e) => e.message)).toEqual(['newest', 'older']);
  });

  it('reports a missing service as a precondition failure', async () => {
    ecsMock
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ arn: 'arn:svc', reason: 'MISSING' }] });
    const err = await ecs.describeService('shop-staging', 'nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).exitCode).toBe(2);
  });

  it('reads a service deployment status', async () => {
    ecsMock.on(DescribeServiceDeploymentsCommand).resolves({
      serviceDeployments: [
        { serviceDeploymentArn: 'arn:sd', status: 'ROLLBACK_SUCCESSFUL', statusReason: 'breaker' },
      ],
    });
    expect(await ecs.describeServiceDeployment('arn:sd')).toEqual({
      status: 'ROLLBACK_SUCCESSFUL',
      statusReason: 'breaker',
    });
    expect(ecsMock.commandCalls(DescribeServiceDeploymentsCommand)[0]?.args[0].input).toEqual({
      serviceDeploymentArns: ['arn:sd'],
    });
  });
});

describe('ECS tasks', () => {
  const runInput = {
    cluster: 'shop-staging',
    taskDefinitionArn: 'td:42',
    container: 'web',
    command: ['npm', 'run', 'migrate'],
    network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
    startedBy: 'ferry-migrate-abc1234',
  };

  it('runs a Fargate task in the given network with the command as a container override', async () => {
    ecsMock.on(RunTaskCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/1',
          taskDefinitionArn: 'td:42',
          lastStatus: 'PROVISIONING',
          desiredStatus: 'RUNNING',
        },
      ],
    });
    const task = await ecs.runTask(runInput);
    expect(task).toMatchObject({ arn: 'arn:task/1', lastStatus: 'PROVISIONING' });
    expect(ecsMock.commandCalls(RunTaskCommand)[0]?.args[0].input).toEqual({
      cluster: 'shop-staging',
      taskDefinition: 'td:42',
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'ferry-migrate-abc1234',
      networkConfiguration: {
        awsvpcConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: 'DISABLED' },
      },
      overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
    });
  });

  it("throws a TaskNotStartedError with ECS's failures and a hint, no exit code", async () => {
    ecsMock
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'subnet full' }] });
    const err = await ecs.runTask(runInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskNotStartedError);
    expect(err).not.toBeInstanceOf(FerryError);
    expect((err as TaskNotStartedError).failures).toEqual(['RESOURCE:ENI subnet full']);
    expect((err as TaskNotStartedError).message).toContain('RESOURCE:ENI subnet full');
    expect((err as TaskNotStartedError).hint).toContain('subnets, security groups');
  });

  it('throws when RunTask returns neither a task nor a failure', async () => {
    ecsMock.on(RunTaskCommand).resolves({ tasks: [] });
    const err = await ecs.runTask(runInput).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskNotStartedError);
    expect((err as TaskNotStartedError).message).toContain('RunTask returned no task and no reason');
  });

  it('describes a task with container exit codes, stop reason and ENI address', async () => {
    ecsMock.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: 'arn:task/1',
          taskDefinitionArn: 'td:42',
          lastStatus: 'STOPPED',
          desiredStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'CannotPullContainerError',
          attachments: [
            { type: 'ElasticNetworkInterface', details: [{ name: 'privateIPv4Address', value: '10.0.1.5' }] },
          ],
          containers: [{ name: 'web', lastStatus: 'STOPPED', reason: 'pull failed' }],
        },
      ],
    });
    const task = await ecs.describeTask('shop-staging', 'arn:task/1');
    expect(task).toMatchObject({ stopCode: 'TaskFailedToStart', privateIp: '10.0.1.5' });
    expect(task?.containers[0]).toEqual({ name: 'web', lastStatus: 'STOPPED', reason: 'pull failed' });
    expect(task?.containers[0]).not.toHaveProperty('exitCode');
  });

  it('answers undefined for a task ECS no longer knows', async () => {
    ecsMock
      .on(DescribeTasksCommand)
      .resolves({ tasks: [], failures: [{ arn: 'arn:task/9', reason: 'MISSING' }] });
    expect(await ecs.describeTask('shop-staging', 'arn:task/9')).toBeUndefined();
  });

  it('lists stopped tasks across pages, describes them 100 at a time, keeps those since the cut-off, newest first', async () => {
    const arns = Array.from({ length: 150 }, (_, i) => `arn:task/${i}`);
    ecsMock
      .on(ListTasksCommand, { nextToken: undefined })
      .resolves({ taskArns: arns.slice(0, 100), nextToken: 'more' })
      .on(ListTasksCommand, { nextToken: 'more' })
      .resolves({ taskArns: arns.slice(100) });
    ecsMock.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((arn) => {
        const i = Number(arn.split('/')[1]);
        return { taskArn: arn, lastStatus: 'STOPPED', stoppedAt: new Date(Date.UTC(2026, 10, 22, 10, 0, i)) };
      }),
    }));
    const since = new Date(Date.UTC(2026, 10, 22, 10, 2, 27)); // task 147 onwards
    const stopped = await ecs.listStoppedTasks('shop-staging', 'shop-staging-web', since);
    expect(stopped.map((t) => t.arn)).toEqual(['arn:task/149', 'arn:task/148', 'arn:task/147']);
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({
      cluster: 'shop-staging',
      serviceName: 'shop-staging-web',
      desiredStatus: 'STOPPED',
    });
    expect(ecsMock.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input.tasks?.length)).toEqual([
      100, 50,
    ]);
  });

  it('lists running tasks of the service without describing when there are none', async () => {
    ecsMock.on(ListTasksCommand).resolves({ taskArns: [] });
    expect(await ecs.listRunningTasks('shop-staging', 'shop-staging-web')).toEqual([]);
    expect(ecsMock.commandCalls(ListTasksCommand)[0]?.args[0].input).toMatchObject({
      desiredStatus: 'RUNNING',
    });
    expect(ecsMock.commandCalls(DescribeTasksCommand)).toHaveLength(0);
  });

  it('stops a task with its reason cut to the 255 characters ECS accepts', async () => {
    ecsMock.on(StopTaskCommand).resolves({});
    await ecs.stopTask('shop-staging', 'arn:task/1', 'x'.repeat(300));
    const input = ecsMock.commandCalls(StopTaskCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ cluster: 'shop-staging', task: 'arn:task/1' });
    expect(input?.reason).toHaveLength(255);
  });
});
