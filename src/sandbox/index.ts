import type { AddressInfo } from 'node:net';
import { ScaledClock } from './clock.ts';
import { SandboxControl } from './control-client.ts';
import { loadIamEvaluator } from './iam/evaluate.ts';
import { RealMode } from './real/index.ts';
import { startRegistry } from './registry.ts';
import { RegistryClient } from './registry-client.ts';
import { createSandboxServer } from './server.ts';
import { cloudwatchService } from './services/cloudwatch.ts';
import { ecrService } from './services/ecr.ts';
import { ecsService } from './services/ecs.ts';
import { elbv2Service } from './services/elbv2.ts';
import { iamService } from './services/iam.ts';
import { logsService } from './services/logs.ts';
import { rdsService } from './services/rds.ts';
import { secretsService } from './services/secrets.ts';
import { ssmService } from './services/ssm.ts';
import { stsService } from './services/sts.ts';
import { createWorld, type World } from './world.ts';

export { SandboxControl } from './control-client.ts';
export type { Faults } from './faults.ts';
export { buildExampleImage, EXAMPLE_APP_DIR } from './real/index.ts';
export type { LoggedRequest } from './request-log.ts';
export type { SeededDescriptor } from './seed.ts';

export interface SandboxOptions {
  port?: number;
  /** Simulated seconds per real second. @default 1 */
  timeScale?: number;
  host?: '127.0.0.1';
  log?: (line: string) => void;
  /**
   * Real mode: tasks whose image can run are buildah containers on loopback IPs of their own,
   * the load balancer health-checks and proxies to them, and each RDS instance is a real
   * PostgreSQL. Needs buildah and PostgreSQL (scripts/setup.sh). @default false
   */
  real?: boolean;
}

/** Real mode's extras: the real databases, for tests and tools. */
export interface RealSandbox {
  /** `postgres://app:PASSWORD@127.0.0.1:PORT/app` of an RDS instance (started if need be). */
  databaseUrl(identifier: string): Promise<string>;
  /** Runs SQL on an instance's database; psql's unaligned, tuples-only output. */
  query(identifier: string, sql: string): Promise<string>;
  /** Where the containers, clusters and snapshots live until stop(). */
  stateDir: string;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, the value for AWS_ENDPOINT_URL. */
  endpoint: string;
  /** `127.0.0.1:RPORT`, the host of every repositoryUri. */
  registryHost: string;
  control: SandboxControl;
  /** Present in real mode. */
  real?: RealSandbox;
  stop(): Promise<void>;
}

/** Real milliseconds between simulation steps. */
const TICK_MS = 50;

/** Starts the registry child, the simulated AWS on one HTTP port, and the simulation clock. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const clock = new ScaledClock(options.timeScale ?? 1);
  const registryProcess = await startRegistry();
  let real: RealMode | undefined;
  try {
    const registry = new RegistryClient(registryProcess.baseUrl);
    let worldRef: World | undefined;
    if (options.real) {
      real = await RealMode.start({
        writeLog: (group, stream, line) => worldRef?.logs.write(group, stream, clock.now(), [line]),
        parameter: (name) => worldRef?.ssm.latest(name)?.Value,
        secretString: (arn) => {
          const secret = worldRef?.secrets.find(arn);
          return secret && JSON.stringify({ username: secret.username, password: secret.password });
        },
        hasInstance: (id) => worldRef?.rds.instances.has(id) ?? false,
        masterPassword: (id) =>
          [...(worldRef?.secrets.secrets.values() ?? [])].find((s) => s.database === id)?.password,
        realDelay: (ms) => clock.realDelay(ms),
        log,
      });
    }
    const world = createWorld({
      clock,
      registry,
      registryHost: registryProcess.host,
      runtime: real?.runtime,
    });
    worldRef = world;
    if (real) {
      real.watchProcess(registryProcess.pid);
      world.real = real;
      world.rds.real = real.databases;
    }
    const server = createSandboxServer(world, {
      json: [
        ecsService(world.ecs),
        ecrService(world.ecr, world.now),
        ssmService(world.ssm, world.now),
        logsService(world.logs),
        cloudwatchService(world.alarms),
        secretsService(world.secrets),
      ],
      query: [
        stsService(world.sts, world.iam, world.now),
        rdsService(world.rds, world.now, world.faults),
        elbv2Service(world.ecs.store),
        iamService(world.iam),
      ],
      onError: (err) => log(`sandbox: internal error: ${(err as Error).stack ?? String(err)}`),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    world.endpoint = `http://127.0.0.1:${port}`;
    const timer = setInterval(() => {
      try {
        world.ecs.tick();
      } catch (err) {
        log(`sandbox: simulation error: ${(err as Error).stack ?? String(err)}`);
      }
    }, TICK_MS);
    log(`sandbox: listening on ${world.endpoint}, registry on ${registryProcess.host}`);
    if (!(await loadIamEvaluator())) {
      log(
        'sandbox: IAM is not enforced: @cloud-copilot/iam-simulate (AGPL-3.0, a dev dependency of ferry) is not installed',
      );
    }
    let stopping: Promise<void> | undefined;
    return {
      endpoint: world.endpoint,
      registryHost: registryProcess.host,
      control: new SandboxControl(world.endpoint),
      real: real && realSandbox(real),
      stop() {
        stopping ??= (async () => {
          clearInterval(timer);
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await real?.stop();
          await registryProcess.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await real?.stop();
    await registryProcess.stop();
    throw err;
  }
}

function realSandbox(real: RealMode): RealSandbox {
  return {
    stateDir: real.stateDir,
    databaseUrl: async (id) => (await real.postgres.ensure(id)).url,
    query: (id, sql) => real.postgres.query(id, sql),
  };
}
