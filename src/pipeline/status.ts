/** What runs where: read-only, for `ferry status` and `ferry rollback`'s choice of target. */
import type { Descriptor } from '../config/schema.ts';
import { type LedgerEntry, readLedger } from './ledger.ts';
import { type LockValue, readLock } from './lock.ts';
import type { Ports } from './ports.ts';
import { TAG_DIGEST } from './resource-names.ts';
import { primaryOf, versionOf } from './versions.ts';

export interface ServiceStatus {
  name: string;
  taskDefinitionArn: string;
  sha?: string;
  digest?: string;
  image?: string;
  rolloutState?: string;
  running: number;
  desired: number;
  deployments: number;
}

export interface EnvironmentStatus {
  env: string;
  services: ServiceStatus[];
  releases: LedgerEntry[];
  lock?: LockValue;
}

export async function readServiceStatus(
  ports: Ports,
  descriptor: Descriptor,
  name: string,
  container: string,
): Promise<ServiceStatus> {
  const service = await ports.ecs.describeService(descriptor.cluster, name);
  const primary = primaryOf(service);
  const arn = primary?.taskDefinitionArn ?? service.taskDefinitionArn;
  const def = await ports.ecs.describeTaskDefinition(arn).catch(() => undefined);
  const image = def?.containers.find((c) => c.name === container)?.image;
  const digest =
    def?.tags[TAG_DIGEST] ?? (image?.includes('@') ? image.slice(image.indexOf('@') + 1) : undefined);
  const sha = versionOf(def, container);
  return {
    name,
    taskDefinitionArn: arn,
    ...(sha ? { sha } : {}),
    ...(digest ? { digest } : {}),
    ...(image ? { image } : {}),
    ...(primary?.rolloutState ? { rolloutState: primary.rolloutState } : {}),
    running: service.runningCount,
    desired: service.desiredCount,
    deployments: service.deployments.length,
  };
}

export async function readEnvironmentStatus(
  ports: Ports,
  descriptor: Descriptor,
  env: string,
  releases = 5,
): Promise<EnvironmentStatus> {
  const [services, ledger, lock] = await Promise.all([
    Promise.all(descriptor.services.map((s) => readServiceStatus(ports, descriptor, s.name, s.container))),
    readLedger(ports.parameters, descriptor.app, env),
    readLock(ports.parameters, { app: descriptor.app, env }),
  ]);
  return { env, services, releases: ledger.slice(0, releases), ...(lock ? { lock } : {}) };
}
