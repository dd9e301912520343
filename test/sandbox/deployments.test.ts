import {
  DescribeServiceDeploymentsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RegisterTaskDefinitionCommand,
  type Service,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';

let sandbox: TestSandbox;
let ecs: ECSClient;
let elb: ElasticLoadBalancingV2Client;
const cluster = 'shop-staging';
const serviceName = 'shop-staging-web';

beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
  ecs = new ECSClient(sandbox.clientConfig);
  elb = new ElasticLoadBalancingV2Client(sandbox.clientConfig);
  await sandbox.control.seed({ app: 'shop', environments: ['staging'] });
});
afterAll(async () => {
  await sandbox?.stop();
});

async function service(): Promise<Service> {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [serviceName] }));
  return out.services![0]!;
}

/** Registers a revision of the family with only image and APP_VERSION changed, as ferry does. */
async function registerVersion(version: string): Promise<string> {
  const { digest } = await sandbox.control.pushImage('shop-staging', version);
  const current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'shop-staging-web' }));
  const td = current.taskDefinition!;
  const web = td.containerDefinitions![0]!;
  const out = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: td.family!,
      networkMode: td.networkMode,
      requiresCompatibilities: td.requiresCompatibilities,
      cpu: td.cpu,
      memory: td.memory,
      executionRoleArn: td.executionRoleArn,
      containerDefinitions: [
        {
          ...web,
          image: `${sandbox.registryHost}/shop-staging@${digest}`,
          environment: [{ name: 'APP_VERSION', value: version }],
        },
      ],
      tags: [{ key: 'ferry:sha', value: version }],
    }),
  );
  return out.taskDefinition!.taskDefinitionArn!;
}

async function deploy(taskDefinition: string) {
  const out = await ecs.send(
    new UpdateServiceCommand({
      cluster,
      service: serviceName,
      taskDefinition,
      deploymentConfiguration: {
        minimumHealthyPercent: 100,
        maximumPercent: 200,
        deploymentCircuitBreaker: { enable: true, rollback: true },
      },
    }),
  );
  const primary = out.service!.deployments!.find((d) => d.status === 'PRIMARY')!;
  return { deploymentId: primary.id!, serviceDeploymentArn: out.service!.currentServiceDeployment! };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function serviceDeploymentStatus(arn: string): Promise<string | undefined> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }));
  return out.serviceDeployments?.[0]?.status;
}

describe('rolling deployments on the simulated clock', () => {
  it('completes a healthy rollout: new tasks start before old ones stop, then COMPLETED and SUCCESSFUL', async () => {
    const before = await service();
    const oldTaskDefinition = before.taskDefinition!;
    const taskDefinition = await registerVersion('1111111');
    const started = Date.now();
    const { deploymentId, serviceDeploymentArn } = await deploy(taskDefinition);
    expect(deploymentId).toMatch(/^ecs-svc\/\d{19}$/);

    let maxRunning = 0;
    let minServing = Number.POSITIVE_INFINITY;
    const done = await until('rollout COMPLETED', async () => {
      const s = await service();
      maxRunning = Math.max(maxRunning, s.runningCount! + s.pendingCount!);
      const health = await elb.send(
        new DescribeTargetHealthCommand({ TargetGroupArn: s.loadBalancers![0]!.targetGroupArn }),
      );
      minServing = Math.min(
        minServing,
        health.TargetHealthDescriptions!.filter((t) => t.TargetHealth?.State === 'healthy').length,
      );
      const primary = s.deployments!.find((d) => d.id === deploymentId);
      return primary?.rolloutState === 'COMPLETED' && s.deployments!.length === 1 ? s : undefined;
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(done.taskDefinition).toBe(taskDefinition);
    expect(done.runningCount).toBe(2);
    // min 100% / max 200% with 2 desired: never more than 4 tasks, never fewer than 2 serving.
    expect(maxRunning).toBeLessThanOrEqual(4);
    expect(maxRunning).toBeGreaterThan(2);
    expect(minServing).toBeGreaterThanOrEqual(2);
    expect(await serviceDeploymentStatus(serviceDeploymentArn)).toBe('SUCCESSFUL');
    const messages = done.events!.map((e) => e.message ?? '');
    expect(messages[0]).toBe(`(service ${serviceName}) has reached a steady state.`);
    expect(messages).toContain(`(service ${serviceName}) (deployment ${deploymentId}) deployment completed.`);
    expect(
      messages.some((m) =>
        /^\(service shop-staging-web\) has started 2 tasks: \(task [0-9a-f]{32}\) \(task [0-9a-f]{32}\)\.$/.test(
          m,
        ),
      ),
    ).toBe(true);

    const stopped = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' }));
    const old = await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped.taskArns! }));
    const drained = old.tasks!.filter((t) => t.taskDefinitionArn === oldTaskDefinition);
    expect(drained).toHaveLength(2);
    expect(
      drained.every((t) => t.lastStatus === 'STOPPED' && t.stopCode === 'ServiceSchedulerInitiated'),
    ).toBe(true);

    const lb = await fetch(`${sandbox.endpoint}/_lb/${serviceName}/health`);
    expect(await lb.json()).toEqual({ version: '1111111' });
  });

  it('trips the circuit breaker on a version failing ELB health checks and rolls back to the last COMPLETED deployment', async () => {
    const goodTaskDefinition = (await service()).taskDefinition!;
    await sandbox.control.setFaults({ unhealthy: [{ version: '2222222' }] });
    const badTaskDefinition = await registerVersion('2222222');
    const { deploymentId, serviceDeploymentArn } = await deploy(badTaskDefinition);

    const failed = await until('deployment FAILED', async () => {
      const s = await service();
      const d = s.deployments!.find((x) => x.id === deploymentId);
      return d?.rolloutState === 'FAILED' ? { s, d } : undefined;
    });
    // desiredCount 2: threshold clamp(ceil(1), 3, 200) = 3 failed tasks.
    expect(failed.d.failedTasks).toBeGreaterThanOrEqual(3);
    expect(failed.d.rolloutStateReason).toBe('ECS deployment circuit breaker: tasks failed to start.');

    const rolledBack = await until('ROLLBACK_SUCCESSFUL', async () =>
      (await serviceDeploymentStatus(serviceDeploymentArn)) === 'ROLLBACK_SUCCESSFUL' ? service() : undefined,
    );
    const primary = rolledBack.deployments!.find((d) => d.status === 'PRIMARY')!;
    expect(primary.taskDefinition).toBe(goodTaskDefinition);
    expect(primary.id).not.toBe(deploymentId);
    expect(primary.rolloutState).toBe('COMPLETED');
    expect(rolledBack.taskDefinition).toBe(goodTaskDefinition);

    const messages = rolledBack.events!.map((e) => e.message ?? '');
    expect(messages).toContain(
      `(service ${serviceName}) deployment ${deploymentId} deployment failed: tasks failed to start.`,
    );
    expect(
      messages.some((m) =>
        /^\(service shop-staging-web\) rolling back to deployment ecs-svc\/\d+\.$/.test(m),
      ),
    ).toBe(true);
    expect(
      messages.some(
        (m) =>
          m.includes('is unhealthy in (target-group arn:aws:elasticloadbalancing:') &&
          m.includes('due to (reason Health checks failed'),
      ),
    ).toBe(true);

    const stopped = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' }));
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped.taskArns! }))).tasks!;
    const bad = tasks.filter((t) => t.taskDefinitionArn === badTaskDefinition);
    expect(
      bad.some((t) =>
        /^Task failed ELB health checks in \(target-group arn:aws:elasticloadbalancing:.+\)$/.test(
          t.stoppedReason ?? '',
        ),
      ),
    ).toBe(true);

    const sd = (
      await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [serviceDeploymentArn] }))
    ).serviceDeployments![0]!;
    expect(sd.rollback?.reason).toBe('ECS deployment circuit breaker: tasks failed to start.');
    expect(sd.deploymentCircuitBreaker).toMatchObject({ status: 'TRIGGERED', threshold: 3 });

    const lb = await fetch(`${sandbox.endpoint}/_lb/${serviceName}/health`);
    expect(lb.status).toBe(200);
    await sandbox.control.clearFaults();
  });

  it('stops tasks whose image digest is not in the registry with TaskFailedToStart and CannotPullContainerError', async () => {
    const current = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'shop-staging-web' }));
    const web = current.taskDefinition!.containerDefinitions![0]!;
    const missing = `${sandbox.registryHost}/shop-staging@sha256:${'e'.repeat(64)}`;
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'shop-staging-web',
        networkMode: 'awsvpc',
        containerDefinitions: [
          { ...web, image: missing, environment: [{ name: 'APP_VERSION', value: '3333333' }] },
        ],
      }),
    );
    const { deploymentId, serviceDeploymentArn } = await deploy(
      registered.taskDefinition!.taskDefinitionArn!,
    );
    await until('ROLLBACK_SUCCESSFUL', async () =>
      (await serviceDeploymentStatus(serviceDeploymentArn)) === 'ROLLBACK_SUCCESSFUL' ? true : undefined,
    );
    const stopped = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' }));
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped.taskArns! }))).tasks!;
    // The breaker stops the rest of the failed deployment's tasks itself (ServiceSchedulerInitiated).
    const failed = tasks.filter(
      (t) => t.startedBy === deploymentId && t.stopCode !== 'ServiceSchedulerInitiated',
    );
    expect(failed.length).toBeGreaterThanOrEqual(3);
    for (const t of failed) {
      expect(t.stopCode).toBe('TaskFailedToStart');
      expect(t.stoppedReason).toMatch(/^CannotPullContainerError: /);
      expect(t.containers![0]!.exitCode).toBeUndefined();
    }
  });

  it('counts tasks whose essential container exits as failed, with EssentialContainerExited and exit code 1', async () => {
    await sandbox.control.setFaults({ failToStart: ['4444444'] });
    const { deploymentId, serviceDeploymentArn } = await deploy(await registerVersion('4444444'));
    await until('ROLLBACK_SUCCESSFUL', async () =>
      (await serviceDeploymentStatus(serviceDeploymentArn)) === 'ROLLBACK_SUCCESSFUL' ? true : undefined,
    );
    const stopped = await ecs.send(new ListTasksCommand({ cluster, serviceName, desiredStatus: 'STOPPED' }));
    const tasks = (await ecs.send(new DescribeTasksCommand({ cluster, tasks: stopped.taskArns! }))).tasks!;
    const failed = tasks.filter(
      (t) => t.startedBy === deploymentId && t.stopCode === 'EssentialContainerExited',
    );
    expect(failed.length).toBeGreaterThanOrEqual(3);
    expect(failed.every((t) => t.containers![0]!.exitCode === 1)).toBe(true);
    expect(failed[0]!.stoppedReason).toBe('Essential container in task exited');
    await sandbox.control.clearFaults();
  });

  it('lets a version that turns unhealthy after a while pass its rollout, then answers 503 from the load balancer', async () => {
    await sandbox.control.setFaults({ unhealthy: [{ version: '5555555', afterSeconds: 120 }] });
    const { deploymentId } = await deploy(await registerVersion('5555555'));
    await until('COMPLETED', async () =>
      (await service()).deployments!.find((d) => d.id === deploymentId)?.rolloutState === 'COMPLETED'
        ? true
        : undefined,
    );
    const first = (await (await fetch(`${sandbox.endpoint}/_lb/${serviceName}/health`)).json()) as {
      version: string;
    };
    expect(first.version).toBe('5555555');
    const status = await until('a 503 from the load balancer', async () => {
      const res = await fetch(`${sandbox.endpoint}/_lb/${serviceName}/health`);
      await res.text();
      return res.status === 503 ? res.status : undefined;
    });
    expect(status).toBe(503);
    await sandbox.control.clearFaults();
  });
});
