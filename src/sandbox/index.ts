import type { AddressInfo } from 'node:net';
import { ScaledClock } from './clock.ts';
import { SandboxControl } from './control-client.ts';
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
import { createWorld } from './world.ts';

export { SandboxControl } from './control-client.ts';
export type { Faults } from './faults.ts';
export type { LoggedRequest } from './request-log.ts';
export type { SeededDescriptor } from './seed.ts';

export interface SandboxOptions {
  port?: number;
  /** Simulated seconds per real second. @default 1 */
  timeScale?: number;
  host?: '127.0.0.1';
  log?: (line: string) => void;
}

export interface Sandbox {
  /** `http://127.0.0.1:PORT`, the value for AWS_ENDPOINT_URL. */
  endpoint: string;
  /** `127.0.0.1:RPORT`, the host of every repositoryUri. */
  registryHost: string;
  control: SandboxControl;
  stop(): Promise<void>;
}

/** Real milliseconds between simulation steps. */
const TICK_MS = 50;

/** Starts the registry child, the simulated AWS on one HTTP port, and the simulation clock. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const log = options.log ?? (() => {});
  const clock = new ScaledClock(options.timeScale ?? 1);
  const registryProcess = await startRegistry();
  try {
    const registry = new RegistryClient(registryProcess.baseUrl);
    const world = createWorld({ clock, registry, registryHost: registryProcess.host });
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
    let stopping: Promise<void> | undefined;
    return {
      endpoint: world.endpoint,
      registryHost: registryProcess.host,
      control: new SandboxControl(world.endpoint),
      stop() {
        stopping ??= (async () => {
          clearInterval(timer);
          server.closeAllConnections();
          await new Promise<void>((resolve) => server.close(() => resolve()));
          await registryProcess.stop();
        })();
        return stopping;
      },
    };
  } catch (err) {
    await registryProcess.stop();
    throw err;
  }
}
