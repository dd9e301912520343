import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../support/sandbox.ts';
import { appDir, FAST, freshSha, jsonLines, requestsFor, runFerry } from './helpers.ts';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox({ timeScale: 60 });
});
afterAll(async () => {
  await sandbox?.stop();
});
afterEach(async () => {
  await sandbox.control.clearFaults();
});

/** Staging with a web service behind the load balancer and a worker without one, both running `initialSha`. */
async function seedWebAndWorker(app: string) {
  const initialSha = freshSha();
  await sandbox.control.seed({
    app,
    environments: ['staging'],
    desiredCount: 2,
    initialSha,
    worker: true,
  });
  return { initialSha, web: `${app}-staging-web`, worker: `${app}-staging-worker` };
}

/** The PRIMARY deployment's task definition of each named service. */
async function primaries(names: string[]): Promise<Record<string, string>> {
  // biome-ignore lint/suspicious/noExplicitAny: the sandbox's free-form state dump
  const services = (await sandbox.control.state()).services as any[];
  return Object.fromEntries(
    names.map((n) => {
      const s = services.find((x) => x.serviceName === n);
      // biome-ignore lint/suspicious/noExplicitAny: as above
      return [n, s?.deployments.find((d: any) => d.status === 'PRIMARY')?.taskDefinition];
    }),
  );
}

const ledger = (app: string) =>
  runFerry(['history', 'staging', '--json'], { cwd: appDir(app), env: sandbox.env });

describe('several services in one environment (sandbox)', () => {
  it('registers a revision per service from its own family, migrates once, updates both, records both', async () => {
    const app = 'twosvc';
    const { web, worker } = await seedWebAndWorker(app);
    const sha = freshSha();
    const { digest } = await sandbox.control.pushImage(`${app}-staging`, sha);
    await sandbox.control.clearRequests();

    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    const ops = await requestsFor(sandbox, app);
    const registered = ops.filter((r) => r.operation === 'RegisterTaskDefinition');
    expect(registered.map((r) => (r.params as { family: string }).family).sort()).toEqual([web, worker]);
    for (const r of registered) {
      const [container] = (r.params as { containerDefinitions: { image: string; environment: unknown[] }[] })
        .containerDefinitions;
      expect(container!.image.endsWith(`/${app}-staging@${digest}`)).toBe(true);
      expect(container!.environment).toContainEqual({ name: 'APP_VERSION', value: sha });
    }
    expect(ops.filter((r) => r.operation === 'RunTask')).toHaveLength(1);
    const runTask = ops.findIndex((r) => r.operation === 'RunTask');
    const updates = ops.flatMap((r, i) => (r.operation === 'UpdateService' ? [i] : []));
    expect(updates).toHaveLength(2);
    expect(Math.min(...updates)).toBeGreaterThan(runTask);

    expect(await primaries([web, worker])).toEqual({
      [web]: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${web}:2`,
      [worker]: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${worker}:2`,
    });
    const history = jsonLines((await ledger(app)).stdout);
    expect(JSON.stringify(history)).toContain(`${worker}:2`);
  });

  it('one service fails its rollout: every service ends on its previous revision, exit 1', async () => {
    const app = 'halfbroken';
    const { web, worker } = await seedWebAndWorker(app);
    const before = await primaries([web, worker]);
    const sha = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, sha);
    await sandbox.control.setFaults({ failToStartIn: [{ version: sha, service: worker }] });

    const run = await runFerry(['deploy', 'staging', '--sha', sha, '--json', ...FAST], {
      cwd: appDir(app),
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(1);
    const result = jsonLines(run.stdout).at(-1)!;
    expect(result).toMatchObject({ type: 'result', outcome: 'rolled_back', exitCode: 1 });
    expect(String(result.reason)).toContain(worker);
    expect(await primaries([web, worker])).toEqual(before);
    const webAnswer = await fetch(`${sandbox.endpoint}/_lb/${web}/health`).then((r) => r.json());
    expect(webAnswer).not.toEqual({ version: sha });
  });

  it('ferry rollback restores every service to the revision it ran in the previous release', async () => {
    const app = 'twoback';
    const { web, worker } = await seedWebAndWorker(app);
    const cwd = appDir(app);
    const first = freshSha();
    const second = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, first);
    await sandbox.control.pushImage(`${app}-staging`, second);
    for (const sha of [first, second]) {
      const run = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
      expect(run.code, run.stderr).toBe(0);
    }
    const arn = (service: string, revision: number) =>
      `arn:aws:ecs:eu-west-1:111111111111:task-definition/${service}:${revision}`;
    expect(await primaries([web, worker])).toEqual({ [web]: arn(web, 3), [worker]: arn(worker, 3) });

    const back = await runFerry(['rollback', 'staging', '--json', ...FAST], { cwd, env: sandbox.env });
    expect(back.code, back.stderr).toBe(0);
    expect(jsonLines(back.stdout).at(-1)).toMatchObject({ outcome: 'deployed', sha: first });
    expect(await primaries([web, worker])).toEqual({ [web]: arn(web, 2), [worker]: arn(worker, 2) });
  });
});

describe('promoting several services (sandbox)', () => {
  it('checks every staging service live, then releases every production service on the copied image', async () => {
    const app = 'twopromo';
    await sandbox.control.seed({
      app,
      environments: ['staging', 'production'],
      desiredCount: 2,
      initialSha: freshSha(),
      worker: true,
    });
    const sha = freshSha();
    await sandbox.control.pushImage(`${app}-staging`, sha);
    const cwd = appDir(app, { environments: { staging: {}, production: { promoteFrom: 'staging' } } });
    const staged = await runFerry(['deploy', 'staging', '--sha', sha, ...FAST], { cwd, env: sandbox.env });
    expect(staged.code, staged.stderr).toBe(0);

    const run = await runFerry(['promote', '--from', 'staging', '--to', 'production', ...FAST], {
      cwd,
      env: sandbox.env,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`${app}-staging-worker runs ${sha.slice(0, 7)}, rollout COMPLETED`);
    const web = `${app}-production-web`;
    const worker = `${app}-production-worker`;
    const now = await primaries([web, worker]);
    expect(now[web]).toMatch(new RegExp(`:task-definition/${web}:2$`));
    expect(now[worker]).toMatch(new RegExp(`:task-definition/${worker}:2$`));
  });
});
