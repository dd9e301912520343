// The sandbox's real mode: the example app's real image in buildah containers, a real load
// balancer in front, a real PostgreSQL behind, and ferry releasing it.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  DeleteDBSnapshotCommand,
  DescribeDBInstancesCommand,
  RDSClient,
  RestoreDBInstanceFromDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildExampleImage } from '../../src/sandbox/index.ts';
import { processesUnder } from '../support/processes.ts';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, freshSha, jsonLines, runFerry } from './helpers.ts';

const APP = 'shop';
const SLOW = ['--poll-interval', '300ms', '--timeout', '150s'];

let sandbox: TestSandbox;
let targetGroupArn: string;
/** The sandbox's own log (failed snapshots, restores), shown when an assertion fails. */
const sandboxLog: string[] = [];
let dir: string;
const images: Record<'good' | 'next' | 'health' | 'migration' | 'slow', string> = {
  good: freshSha(),
  next: freshSha(),
  health: freshSha(),
  migration: freshSha(),
  slow: freshSha(),
};

beforeAll(async () => {
  sandbox = await startTestSandbox({ real: true, timeScale: 10, log: (line) => sandboxLog.push(line) });
  const seeded = await sandbox.control.seed({ app: APP, environments: ['staging'], desiredCount: 1 });
  targetGroupArn = seeded.descriptors.staging!.services[0]!.targetGroupArn!;
  const broken = {
    good: undefined,
    next: undefined,
    health: 'health',
    migration: 'migration',
    slow: 'slow-migration',
  } as const;
  for (const [name, sha] of Object.entries(images)) {
    await buildExampleImage({
      image: `${sandbox.registryHost}/${APP}-staging:${sha}`,
      broken: broken[name as keyof typeof broken],
    });
  }
  dir = appDir(APP, {
    migrate: { command: ['node', 'migrate.ts'], timeout: '2m' },
    health: {
      path: '/health',
      expectStatus: 200,
      versionField: 'version',
      successes: 2,
      interval: '300ms',
      timeout: '60s',
    },
  });
}, 240_000);

afterAll(async () => {
  const stateDir = sandbox?.real?.stateDir;
  await sandbox?.stop();
  // Nothing real mode started may outlive it.
  if (stateDir) expect(processesUnder(stateDir)).toEqual([]);
}, 60_000);

function deploy(sha: string, onLine?: Parameters<typeof runFerry>[1]['onLine']) {
  return runFerry(['deploy', 'staging', '--sha', sha, '--json', ...SLOW], {
    cwd: dir,
    env: sandbox.env,
    onLine,
    timeoutMs: 170_000,
  });
}

async function throughProxy(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.endpoint}/_lb/${APP}-staging-web/health`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The task's awslogs stream, where its task definition says it is. */
async function taskLogLines(taskArn: string): Promise<(string | undefined)[]> {
  const ecs = new ECSClient(sandbox.clientConfig);
  const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${APP}-staging-web` }));
  const container = td.taskDefinition!.containerDefinitions![0]!;
  const options = container.logConfiguration!.options!;
  const logs = new CloudWatchLogsClient(sandbox.clientConfig);
  const events = await logs.send(
    new FilterLogEventsCommand({
      logGroupName: options['awslogs-group'],
      logStreamNamePrefix: `${options['awslogs-stream-prefix']}/${container.name}/${taskArn.split('/').pop()}`,
    }),
  );
  return events.events!.map((e) => e.message);
}

async function serviceTaskDefinition(): Promise<string> {
  const ecs = new ECSClient(sandbox.clientConfig);
  const out = await ecs.send(
    new DescribeServicesCommand({ cluster: `${APP}-staging`, services: [`${APP}-staging-web`] }),
  );
  return out.services![0]!.taskDefinition!;
}

describe('ferry against the sandbox in real mode', () => {
  it('a release migrates the real database; the snapshot taken before restores to the schema without it', async () => {
    const run = await deploy(images.good);
    expect(run.code, run.stderr).toBe(0);
    expect(await sandbox.real!.query(`${APP}-staging`, "SELECT to_regclass('public.orders')")).toBe(
      'orders\n',
    );
    expect(await throughProxy()).toEqual({ status: 200, body: { version: images.good, db: 'ok' } });

    // The instance's managed secret holds the real database's password.
    const rds = new RDSClient(sandbox.clientConfig);
    const instance = (
      await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: `${APP}-staging` }))
    ).DBInstances![0]!;
    const secret = await new SecretsManagerClient(sandbox.clientConfig).send(
      new GetSecretValueCommand({ SecretId: instance.MasterUserSecret!.SecretArn! }),
    );
    const url = new URL(await sandbox.real!.databaseUrl(`${APP}-staging`));
    expect(JSON.parse(secret.SecretString!).password).toBe(decodeURIComponent(url.password));
    expect(instance.Endpoint).toEqual({ Address: '127.0.0.1', Port: Number(url.port) });

    const result = jsonLines(run.stdout).at(-1)!;
    const snapshotId = String(result.snapshotId);
    await rds.send(
      new RestoreDBInstanceFromDBSnapshotCommand({
        DBInstanceIdentifier: 'scratch',
        DBSnapshotIdentifier: snapshotId,
      }),
    );
    for (let i = 0; i < 200; i++) {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch' }));
      if (out.DBInstances![0]!.DBInstanceStatus !== 'creating') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const described = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: 'scratch' }));
    expect(described.DBInstances![0]!.DBInstanceStatus, sandboxLog.join('\n')).toBe('available');
    expect(described.DBInstances![0]!.Endpoint?.Address).toBe('127.0.0.1');
    expect(await sandbox.real!.query('scratch', "SELECT to_regclass('public.orders') IS NULL")).toBe('t\n');

    const dump = join(sandbox.real!.stateDir, 'snapshots', `${snapshotId}.dump`);
    expect(existsSync(dump)).toBe(true);
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: snapshotId }));
    expect(existsSync(dump)).toBe(false);
  }, 200_000);

  it('StopTask sends SIGTERM: the app closes gracefully, its output is in CloudWatch Logs, ECS replaces it', async () => {
    const ecs = new ECSClient(sandbox.clientConfig);
    const cluster = `${APP}-staging`;
    const listed = await ecs.send(new ListTasksCommand({ cluster, serviceName: `${APP}-staging-web` }));
    const [taskArn] = listed.taskArns!;
    const described = await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn!] }));
    const ip = described.tasks![0]!.attachments?.[0]?.details?.find(
      (d) => d.name === 'privateIPv4Address',
    )?.value;
    expect(ip).toMatch(/^127\./);
    const direct = await fetch(`http://${ip}:8080/health`);
    expect(await direct.json()).toEqual({ version: images.good, db: 'ok' });

    await ecs.send(new StopTaskCommand({ cluster, task: taskArn!, reason: 'test' }));
    let stopped: { lastStatus?: string; containers?: { exitCode?: number }[] } | undefined;
    for (let i = 0; i < 300 && stopped?.lastStatus !== 'STOPPED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      stopped = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn!] }))).tasks![0];
    }
    expect(stopped?.lastStatus).toBe('STOPPED');
    expect(stopped?.containers?.[0]?.exitCode).toBe(0);

    const lines = await taskLogLines(taskArn!);
    expect(lines).toContain(`shop ${images.good} listening on http://${ip}:8080`);
    expect(lines).toContain('SIGTERM: closing');

    // The service gets back to one healthy task, answering through the proxy.
    let answer = await throughProxy().catch(() => undefined);
    for (let i = 0; i < 300 && answer?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      answer = await throughProxy().catch(() => undefined);
    }
    expect(answer).toEqual({ status: 200, body: { version: images.good, db: 'ok' } });
  }, 60_000);

  it('a version failing its real health checks is rolled back; the old version answers through the proxy', async () => {
    const before = await serviceTaskDefinition();
    // What the target group reports while the broken version's tasks fail their real checks.
    const seen = new Map<string, Set<string>>();
    const elb = new ElasticLoadBalancingV2Client(sandbox.clientConfig);
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
        for (const d of health.TargetHealthDescriptions ?? []) {
          const states = seen.get(d.Target!.Id!) ?? new Set<string>();
          states.add(d.TargetHealth!.State!);
          seen.set(d.Target!.Id!, states);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const run = await deploy(images.health);
    watching = false;
    await watch;
    expect(run.code, run.stderr).toBe(1);
    // The broken version's targets went from initial checks to unhealthy (ECS then drains them)
    // and were never healthy; the good version's target stayed healthy.
    const failed = [...seen].filter(
      ([, states]) =>
        states.has('initial') &&
        !states.has('healthy') &&
        (states.has('unhealthy') || states.has('draining')),
    );
    expect(failed.length, JSON.stringify([...seen].map(([ip, st]) => [ip, [...st]]))).toBeGreaterThan(0);
    expect(failed.every(([ip]) => ip.startsWith('127.77.'))).toBe(true);
    expect([...seen].some(([, states]) => states.has('healthy'))).toBe(true);
    expect(jsonLines(run.stdout).at(-1)).toMatchObject({ outcome: 'rolled_back' });
    expect(await serviceTaskDefinition()).toBe(before);
    expect(await throughProxy()).toEqual({ status: 200, body: { version: images.good, db: 'ok' } });
  }, 200_000);

  it('a failing migration leaves the service untouched and names the snapshot', async () => {
    const before = await serviceTaskDefinition();
    const run = await deploy(images.migration);
    expect(run.code, run.stderr).toBe(1);
    const result = jsonLines(run.stdout).at(-1)!;
    expect(String(result.snapshotId)).toMatch(/^[a-z]/);
    expect(run.stderr).toContain(String(result.snapshotId));
    expect(await serviceTaskDefinition()).toBe(before);
    expect(await throughProxy()).toEqual({ status: 200, body: { version: images.good, db: 'ok' } });
  }, 200_000);

  // ferry's part: on SIGINT it asks ECS to stop the migration task it started and waits for STOPPED
  // before releasing the lock. The sandbox's part: StopTask reaches the real container as SIGTERM.
  it('interrupting a release during its real migration stops the migration container', async () => {
    const ecs = new ECSClient(sandbox.clientConfig);
    const cluster = `${APP}-staging`;
    let migrationArn: string | undefined;
    const run = await deploy(images.slow, (line, child) => {
      if (migrationArn !== undefined || !/migrate/.test(line)) return;
      migrationArn = '';
      // SIGINT once the migration's process runs (it then sleeps 60 s in the database).
      const poll = async () => {
        const listed = await ecs.send(new ListTasksCommand({ cluster, desiredStatus: 'RUNNING' }));
        const described = listed.taskArns?.length
          ? await ecs.send(new DescribeTasksCommand({ cluster, tasks: listed.taskArns }))
          : { tasks: [] };
        const task = described.tasks?.find(
          (t) => t.group?.startsWith('family:') && t.lastStatus === 'RUNNING',
        );
        if (!task) return setTimeout(poll, 100);
        migrationArn = task.taskArn!;
        setTimeout(() => child.kill('SIGINT'), 1000);
      };
      poll();
    });
    expect(migrationArn).toMatch(/^arn:/);
    expect(run.code, run.stderr).toBe(130);
    const stopped = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: [migrationArn!] })))
      .tasks![0]!;
    expect(stopped.lastStatus).toBe('STOPPED');
    expect(stopped.containers![0]!.exitCode).not.toBe(0);
    const taskId = migrationArn!.split('/').pop()!;
    expect(processesUnder(sandbox.real!.stateDir).filter((p) => p.includes(taskId))).toEqual([]);
    expect((await taskLogLines(migrationArn!)).join('\n')).toContain('migrate: app@127.0.0.1');
    expect(await throughProxy()).toEqual({ status: 200, body: { version: images.good, db: 'ok' } });
  }, 200_000);
});
