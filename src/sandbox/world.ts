import type { ScaledClock } from './clock.ts';
import { EcsEngine } from './ecs/engine.ts';
import type { TaskRuntime } from './ecs/runtime.ts';
import { EcsStore } from './ecs/store.ts';
import { FaultStore } from './faults.ts';
import { IamGuard } from './iam/guard.ts';
import { IamStore } from './iam/store.ts';
import type { RealMode } from './real/index.ts';
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
  /** Real mode's load balancer forward (set only in real mode). */
  real?: RealMode;
  alarms: AlarmStore;
  secrets: SecretStore;
  iam: IamStore;
  guard: IamGuard;
}

export function createWorld(opts: {
  clock: ScaledClock;
  registry: RegistryClient;
  registryHost: string;
  runtime?: TaskRuntime;
}): World {
  const now = () => opts.clock.now();
  const faults = new FaultStore();
  const logs = new LogsStore();
  const iam = new IamStore();
  const ecsStore = new EcsStore();
  const guard = new IamGuard(iam, {
    taskDefinitionRoles(ref) {
      const registered = ecsStore.taskDefinition(ref)?.registered ?? {};
      return [registered.executionRoleArn, registered.taskRoleArn].filter(
        (r): r is string => typeof r === 'string',
      );
    },
    revisionOf(family, revision) {
      if (revision !== undefined) return Number(revision);
      const revisions = ecsStore.families.get(family) ?? [];
      return ecsStore.taskDefinition(family)?.revision ?? revisions.at(-1)?.revision;
    },
  });
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
    ecs: new EcsEngine(ecsStore, {
      now,
      faults,
      registry: opts.registry,
      registryHost: opts.registryHost,
      logs,
      runtime: opts.runtime,
    }),
    rds: new RdsStore(),
    logs,
    alarms: new AlarmStore(),
    secrets: new SecretStore(),
    iam,
    guard,
  };
}
