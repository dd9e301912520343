import { randomBytes, randomInt } from 'node:crypto';
import type { Cluster, Service, Tag, TargetGroup, Task, TaskDefinition } from './model.ts';

/** Everything ECS and ELBv2 know, indexed the ways the API looks things up. */
export class EcsStore {
  readonly clusters = new Map<string, Cluster>();
  readonly families = new Map<string, TaskDefinition[]>();
  readonly tags = new Map<string, Tag[]>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly targetGroups = new Map<string, TargetGroup>();
  #ipCounter = 10;

  cluster(ref: string | undefined): Cluster | undefined {
    const name = (ref ?? 'default').split('/').pop()!;
    return this.clusters.get(name);
  }

  addCluster(name: string, account: string, region: string): Cluster {
    const cluster = {
      clusterName: name,
      clusterArn: `arn:aws:ecs:${region}:${account}:cluster/${name}`,
      account,
      region,
    };
    this.clusters.set(name, cluster);
    return cluster;
  }

  service(cluster: Cluster, ref: string): Service | undefined {
    return this.services.get(`${cluster.clusterName}/${ref.split('/').pop()}`);
  }

  serviceByName(name: string): Service | undefined {
    return [...this.services.values()].find((s) => s.serviceName === name);
  }

  /** Resolves an ARN, `family:revision` or `family` (its latest ACTIVE revision). */
  taskDefinition(ref: string): TaskDefinition | undefined {
    const short = ref.startsWith('arn:') ? ref.split('/').pop()! : ref;
    const [family, revision] = short.split(':');
    const revisions = this.families.get(family ?? '') ?? [];
    if (revision !== undefined) return revisions.find((td) => td.revision === Number(revision));
    return revisions.filter((td) => td.status === 'ACTIVE').at(-1);
  }

  tasksOf(service: Service): Task[] {
    return [...this.tasks.values()].filter(
      (t) => t.serviceName === service.serviceName && t.cluster === service.cluster,
    );
  }

  nextIp(): string {
    const n = this.#ipCounter++;
    return `10.0.${Math.floor(n / 250) % 250}.${(n % 250) + 2}`;
  }
}

export function newTaskId(): string {
  return randomBytes(16).toString('hex');
}

export function newDeploymentId(): string {
  let digits = String(randomInt(1, 10));
  while (digits.length < 19) digits += String(randomInt(0, 10));
  return `ecs-svc/${digits}`;
}
