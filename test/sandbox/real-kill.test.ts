// Real mode leaves nothing behind, even when the sandbox itself is killed with SIGKILL.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  DescribeTaskDefinitionCommand,
  DescribeTasksCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  RunTaskCommand,
} from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it } from 'vitest';
import { buildExampleImage } from '../../src/sandbox/index.ts';
import { processesUnder } from '../support/processes.ts';

const bin = new URL('../../bin/ferry', import.meta.url).pathname;
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('ferry sandbox --real, killed', () => {
  it('takes its containers, PostgreSQL, registry and state with it when killed with SIGKILL', async () => {
    const proc = spawn(
      process.execPath,
      [bin, 'sandbox', '--real', '--seed', 'shop', '--json', '--time-scale', '10'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child = proc;
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
    });
    const line = await until('the sandbox line', () => (out.includes('\n') ? out.split('\n')[0] : undefined));
    if (!line.includes('"real"')) throw new Error(`unexpected first line: ${line} ${out}`);
    const started = JSON.parse(line) as { endpoint: string; registry: string; real: { stateDir: string } };
    const stateDir = started.real.stateDir;

    const sha = 'c0ffee1';
    const { digest } = await buildExampleImage({ image: `${started.registry}/shop-staging:${sha}` });
    const ecs = new ECSClient({
      endpoint: started.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const seeded = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'shop-staging-web' }));
    const td = seeded.taskDefinition!;
    const registered = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: td.family!,
        networkMode: td.networkMode,
        requiresCompatibilities: td.requiresCompatibilities,
        cpu: td.cpu,
        memory: td.memory,
        containerDefinitions: td.containerDefinitions!.map((c) => ({
          ...c,
          image: `${started.registry}/shop-staging@${digest}`,
          environment: [{ name: 'APP_VERSION', value: sha }],
        })),
      }),
    );
    const ran = await ecs.send(
      new RunTaskCommand({
        cluster: 'shop-staging',
        taskDefinition: registered.taskDefinition!.taskDefinitionArn!,
        networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-staging-a'] } },
      }),
    );
    const taskArn = ran.tasks![0]!.taskArn!;
    await until('the task to run', async () => {
      const d = await ecs.send(new DescribeTasksCommand({ cluster: 'shop-staging', tasks: [taskArn] }));
      return d.tasks![0]!.lastStatus === 'RUNNING' ? true : undefined;
    });
    const running = processesUnder(stateDir).join('\n');
    expect(running).toMatch(/postgres/);
    expect(running).toMatch(/buildah .* run /);

    proc.kill('SIGKILL');
    await until(
      'everything real mode started to end',
      () => (processesUnder(stateDir).length === 0 && !existsSync(stateDir) ? true : undefined),
      30_000,
    );
    expect(processesUnder(stateDir)).toEqual([]);
    await expect(fetch(`http://${started.registry}/v2/`)).rejects.toThrow();
  }, 150_000);
});
