import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeClustersCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTaskDefinitionsCommand,
  ListTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  TagResourceCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let ecs: ECSClient;
let rds: RDSClient;
let logs: CloudWatchLogsClient;
const cluster = 'shop-staging';
const network = {
  awsvpcConfiguration: {
    subnets: ['subnet-staging-a'],
    securityGroups: ['sg-staging-web'],
    assignPublicIp: 'DISABLED' as const,
  },
};

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  ecs = new ECSClient(sandbox.clientConfig);
  rds = new RDSClient(sandbox.clientConfig);
  logs = new CloudWatchLogsClient(sandbox.clientConfig);
  await sandbox.control.seed({ app: 'shop', environments: ['staging'], initialSha: 'abcdef1' });
});
afterAll(async () => {
  await sandbox?.stop();
});

async function waitStopped(taskArn: string) {
  for (let i = 0; i < 200; i++) {
    const t = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }))).tasks![0]!;
    if (t.lastStatus === 'STOPPED') return t;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('task never stopped');
}

describe('ECS task definitions and one-off tasks', () => {
  it('returns tags outside taskDefinition with include TAGS, and lists revisions', async () => {
    const out = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'shop-staging-web', include: ['TAGS'] }),
    );
    expect(out.taskDefinition).toMatchObject({
      family: 'shop-staging-web',
      revision: 1,
      status: 'ACTIVE',
      networkMode: 'awsvpc',
    });
    expect(out.tags).toContainEqual({ key: 'ferry:sha', value: 'abcdef1' });
    await ecs.send(
      new TagResourceCommand({
        resourceArn: out.taskDefinition!.taskDefinitionArn,
        tags: [{ key: 'ferry:sha', value: 'x' }],
      }),
    );
    const again = await ecs.send(
      new DescribeTaskDefinitionCommand({ taskDefinition: 'shop-staging-web:1', include: ['TAGS'] }),
    );
    expect(again.tags).toContainEqual({ key: 'ferry:sha', value: 'x' });
    const list = await ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'shop-staging-web' }));
    expect(list.taskDefinitionArns).toEqual([out.taskDefinition!.taskDefinitionArn]);
    await expect(
      ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope' })),
    ).rejects.toMatchObject({ name: 'ClientException' });
  });

  it('runs a migration task to STOPPED with exit code 0 and its output in CloudWatch Logs', async () => {
    const out = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: 'shop-staging-web',
        launchType: 'FARGATE',
        networkConfiguration: network,
        overrides: { containerOverrides: [{ name: 'web', command: ['npm', 'run', 'migrate'] }] },
        startedBy: 'ferry-migrate',
      }),
    );
    expect(out.failures).toEqual([]);
    const task = await waitStopped(out.tasks![0]!.taskArn!);
    expect(task.stopCode).toBe('EssentialContainerExited');
    expect(task.containers![0]!.exitCode).toBe(0);
    const listed = await ecs.send(
      new ListTasksCommand({ cluster, startedBy: 'ferry-migrate', desiredStatus: 'STOPPED' }),
    );
    expect(listed.taskArns).toEqual([task.taskArn]);
    const taskId = task.taskArn!.split('/').pop();
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/shop-staging-web',
        logStreamName: `web/web/${taskId}`,
        startFromHead: true,
      }),
    );
    const lines = events.events!.map((e) => e.message);
    expect(lines[0]).toContain('npm run migrate');
    expect(lines).toContain('migrate: applying 0003_add_orders ... done');
    const next = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/shop-staging-web',
        logStreamName: `web/web/${taskId}`,
        startFromHead: true,
        nextToken: events.nextForwardToken,
      }),
    );
    expect(next.events).toEqual([]);
  });

  it('injects a migration exit code and log lines', async () => {
    await sandbox.control.setFaults({
      migrationExitCode: 3,
      migrationLogLines: ['migrate: relation "orders" already exists'],
    });
    const out = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: 'shop-staging-web',
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    const task = await waitStopped(out.tasks![0]!.taskArn!);
    expect(task.containers![0]!.exitCode).toBe(3);
    const events = await logs.send(
      new GetLogEventsCommand({
        logGroupName: '/ecs/shop-staging-web',
        logStreamName: `web/web/${task.taskArn!.split('/').pop()}`,
        startFromHead: true,
      }),
    );
    expect(events.events!.map((e) => e.message)).toContain('migrate: relation "orders" already exists');
    await sandbox.control.clearFaults();
  });

  it('reports a missing task definition in failures[] and requires a network for awsvpc', async () => {
    const out = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: 'does-not-exist',
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    expect(out.tasks).toEqual([]);
    expect(out.failures![0]!.arn).toBe('does-not-exist');
    await expect(
      ecs.send(new RunTaskCommand({ cluster, taskDefinition: 'shop-staging-web', launchType: 'FARGATE' })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException' });
  });

  it('stops a task on request with UserInitiated', async () => {
    const out = await ecs.send(
      new RunTaskCommand({
        cluster,
        taskDefinition: 'shop-staging-web',
        launchType: 'FARGATE',
        networkConfiguration: network,
      }),
    );
    await ecs.send(new StopTaskCommand({ cluster, task: out.tasks![0]!.taskArn!, reason: 'test stop' }));
    const task = await waitStopped(out.tasks![0]!.taskArn!);
    expect(task).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'test stop' });
  });

  it('describes clusters, with MISSING failures for unknown ones', async () => {
    const out = await ecs.send(new DescribeClustersCommand({ clusters: ['shop-staging', 'nope'] }));
    expect(out.clusters![0]).toMatchObject({
      clusterName: 'shop-staging',
      status: 'ACTIVE',
      activeServicesCount: 1,
    });
    expect(out.failures).toEqual([{ arn: 'nope', reason: 'MISSING' }]);
  });
});

describe('RDS snapshots', () => {
  it('creates a snapshot that goes from creating to available after ~20 simulated seconds', async () => {
    const db = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'shop-staging' }));
    expect(db.DBInstances![0]!.DBInstanceStatus).toBe('available');
    const created = await rds.send(
      new CreateDBSnapshotCommand({
        DBInstanceIdentifier: 'shop-staging',
        DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1',
        Tags: [{ Key: 'ferry:sha', Value: 'abcdef1' }],
      }),
    );
    expect(created.DBSnapshot).toMatchObject({ Status: 'creating', SnapshotType: 'manual' });
    expect(created.DBSnapshot!.TagList).toEqual([{ Key: 'ferry:sha', Value: 'abcdef1' }]);
    await expect(
      rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1' })),
    ).rejects.toMatchObject({ name: 'InvalidDBSnapshotStateFault' });
    let status = '';
    for (let i = 0; i < 100 && status !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      const out = await rds.send(
        new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1' }),
      );
      status = out.DBSnapshots![0]!.Status!;
    }
    expect(status).toBe('available');
    const byInstance = await rds.send(
      new DescribeDBSnapshotsCommand({ DBInstanceIdentifier: 'shop-staging', SnapshotType: 'manual' }),
    );
    expect(byInstance.DBSnapshots!.map((s) => s.DBSnapshotIdentifier)).toEqual([
      'ferry-shop-staging-abcdef1',
    ]);
    await expect(
      rds.send(
        new CreateDBSnapshotCommand({
          DBInstanceIdentifier: 'shop-staging',
          DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1',
        }),
      ),
    ).rejects.toMatchObject({ name: 'DBSnapshotAlreadyExistsFault' });
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1' }));
    await expect(
      rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: 'ferry-shop-staging-abcdef1' })),
    ).rejects.toMatchObject({ name: 'DBSnapshotNotFoundFault' });
  });

  it.each(['1starts-with-digit', 'double--hyphen', 'trailing-', 'under_score'])(
    'rejects the snapshot identifier %s',
    async (id) => {
      await expect(
        rds.send(
          new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'shop-staging', DBSnapshotIdentifier: id }),
        ),
      ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    },
  );

  it('answers DBInstanceNotFound for an unknown instance', async () => {
    await expect(
      rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'nope' })),
    ).rejects.toMatchObject({
      name: 'DBInstanceNotFoundFault',
    });
  });
});
