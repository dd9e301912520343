import type { ScaledClock } from './clock.ts';
import { EcsEngine } from './ecs/engine.ts';
import { EcsStore } from './ecs/store.ts';
import { FaultStore } from './faults.ts';
import type { RegistryClient } from './registry-client.ts';
import { RequestLog } from './request-log.ts';
import { AlarmStore } from './services/cloudwatch.ts';
import { EcrStore } from './services/ecr-store.ts';
import { LogsStore } from './services/logs.ts';
import { RdsStore } from './services/rds.ts';
import { SecretStore } from './services/secrets.ts';
import { SsmStore } from './services/ssm.ts';
import { StsStore } from './services/sts.ts';

/** All simulated state, shared by the protocol handlers, the engine and the control API. */
export interface World {
  clock: ScaledClock;
  now: () => number;
  endpoint: string;
  registry: RegistryClient;
  registryHost: string;
  faults: FaultStore;
  log: RequestLog;
  sts: StsStore;
  ssm: SsmStore;
  ecr: EcrStore;
  ecs: EcsEngine;
  rds: RdsStore;
  logs: LogsStore;
  alarms: AlarmStore;
  secrets: SecretStore;
}

export function createWorld(opts: {
  clock: ScaledClock;
  registry: RegistryClient;
  registryHost: string;
}): World {
  const now = () => opts.clock.now();
  const faults = new FaultStore();
  const logs = new LogsStore();
  return {
    clock: opts.clock,
    now,
    endpoint: '',
    registry: opts.registry,
    registryHost: opts.registryHost,
    faults,
    log: new RequestLog(),
    sts: new StsStore(),
    ssm: new SsmStore(),
    ecr: new EcrStore(opts.registry, opts.registryHost, now),
    ecs: new EcsEngine(new EcsStore(), {
      now,
      faults,
      registry: opts.registry,
      registryHost: opts.registryHost,
      logs,
    }),
    rds: new RdsStore(),
    logs,
    alarms: new AlarmStore(),
    secrets: new SecretStore(),
  };
}
