/**
 * In-memory ports for the pipeline's unit tests: a scriptable ECS whose rollouts
 * advance one step per DescribeServices, SSM, RDS, ECR, ELBv2, logs and HTTP, all
 * sharing one call log, and a clock whose sleep advances virtual time at once.
 */
import type { Deps } from '../../src/pipeline/context.ts';
import type { FerryEvent } from '../../src/pipeline/events.ts';
import { TaskNotStartedError } from '../../src/pipeline/port-errors.ts';
import type {
  Clock,
  ContainerService,
  Database,
  DbSnapshot,
  DeploymentSnapshot,
  HttpProbe,
  Identity,
  ImageRegistry,
  LoadBalancer,
  LogReader,
  ParameterStore,
  Ports,
  ServiceEventSnapshot,
  ServiceSnapshot,
  TaskDefinitionSnapshot,
  TaskSnapshot,
} from '../../src/pipeline/ports.ts';

/** The fake ECS's hint for a task it did not start (the real adapter has its own words). */
export const RUN_TASK_HINT = "Check the descriptor's network and the cluster's capacity.";

export class FakeClock implements Clock {
  #now: number;
  readonly sleeps: number[] = [];
  constructor(start = Date.parse('2026-03-04T05:06:07Z')) {
    this.#now = start;
  }
  now(): Date {
    return new Date(this.#now);
  }
  advance(ms: number): void {
    this.#now += ms;
    this.#fire();
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.sleeps.push(ms);
    this.#now += ms;
    this.#fire();
    await new Promise((r) => setImmediate(r));
    signal?.throwIfAborted();
  }
  readonly #timers = new Set<{ every: number; next: number; tick: () => void }>();
  /** Background ticks (the lock's renewal) in fake time: they fire as sleeps and advances pass them. */
  every(ms: number, tick: () => void): () => void {
    const timer = { every: ms, next: this.#now + ms, tick };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }
  #fire(): void {
    for (const timer of this.#timers) {
      if (timer.next > this.#now) continue;
      // One tick for however much time passed, as a late timer would.
      timer.next = this.#now + timer.every;
      timer.tick();
    }
  }
}

/** Every port call in order, as `Service.Operation`. */
export type CallLog = string[];

/** Errors thrown by the next calls of an operation, in order. */
export class Faults {
  readonly #queue = new Map<string, unknown[]>();
  inject(operation: string, ...errors: unknown[]): void {
    this.#queue.set(operation, [...(this.#queue.get(operation) ?? []), ...errors]);
  }
  check(operation: string): void {
    const q = this.#queue.get(operation);
    if (q?.length) throw q.shift();
  }
}

export const throttle = () =>
  Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $fault: 'client' });
export const serverError = () =>
  Object.assign(new Error('Internal'), {
    name: 'InternalFailure',
    $fault: 'server',
    $metadata: { httpStatusCode: 500 },
  });

export class FakeParameters implements ParameterStore {
  readonly values = new Map<
    string,
    { value: string; version: number; history: { value: string; version: number; lastModified: Date }[] }
  >();
  readonly log: CallLog;
  readonly clock: Clock;
  readonly faults: Faults;
  constructor(log: CallLog, clock: Clock, faults: Faults) {
    this.log = log;
    this.clock = clock;
    this.faults = faults;
  }
  async get(name: string) {
    this.log.push('SSM.GetParameter');
    this.faults.check('GetParameter');
    const v = this.values.get(name);
    return v && v.value !== '\0deleted' ? { value: v.value, version: v.version } : undefined;
  }
  async putIfAbsent(name: string, value: string) {
    this.log.push('SSM.PutParameter');
    this.faults.check('PutParameter');
    const v = this.values.get(name);
    if (v && v.value !== '\0deleted') return false;
    this.#write(name, value);
    return true;
  }
  async put(name: string, value: string) {
    this.log.push('SSM.PutParameter');
    this.faults.check('PutParameter');
    return this.#write(name, value);
  }
  async delete(name: string) {
    this.log.push('SSM.DeleteParameter');
    this.values.delete(name);
  }
  async history(name: string) {
    this.log.push('SSM.GetParameterHistory');
    return [...(this.values.get(name)?.history ?? [])];
  }
  #write(name: string, value: string): number {
    const prev = this.values.get(name);
    const version = (prev?.version ?? 0) + 1;
    const history = [...(prev?.history ?? []), { value, version, lastModified: this.clock.now() }];
    this.values.set(name, { value, version, history });
    return version;
  }
  /** The stored value parsed as JSON, or undefined. */
  json(name: string): unknown {
    const v = this.values.get(name);
    return v ? JSON.parse(v.value) : undefined;
  }
}

export class FakeRegistry implements ImageRegistry {
  readonly tags = new Map<string, string>();
  readonly log: CallLog;
  constructor(log: CallLog) {
    this.log = log;
  }
  async findImageByTag(repositoryName: string, tag: string) {
    this.log.push('ECR.DescribeImages');
    const digest = this.tags.get(`${repositoryName}:${tag}`);
    return digest ? { digest } : undefined;
  }
  async hasDigest(repositoryName: string, digest: string) {
    this.log.push('ECR.DescribeImages');
    return [...this.tags.entries()].some(([k, d]) => k.startsWith(`${repositoryName}:`) && d === digest);
  }
  async tagsStartingWith(repositoryName: string, prefix: string) {
    this.log.push('ECR.DescribeImages');
    return [...this.tags.keys()]
      .filter((key) => key.startsWith(`${repositoryName}:${prefix}`))
      .map((key) => key.slice(repositoryName.length + 1));
  }
  push(repository: string, tag: string): string {
    const digest = `sha256:${tag.padEnd(64, '0').slice(0, 64)}`;
    this.tags.set(`${repository}:${tag}`, digest);
    return digest;
  }
}

/** How a rollout of a revision behaves, by the version (APP_VERSION) it runs. */
export type RolloutScript =
  | { kind: 'complete'; polls?: number }
  /** The circuit breaker fails the deployment after `polls`; ECS rolls back (or its rollback fails). */
  | { kind: 'breaker'; polls?: number; rollbackFails?: boolean; final?: boolean }
  | { kind: 'stuck' };

interface FakeService {
  name: string;
  desired: number;
  deployments: (DeploymentSnapshot & { polls: number; script: RolloutScript; rollbackOf?: string })[];
  events: ServiceEventSnapshot[];
}

export class FakeEcs implements ContainerService {
  readonly defs = new Map<string, TaskDefinitionSnapshot>();
  readonly services = new Map<string, FakeService>();
  readonly scripts = new Map<string, RolloutScript>();
  readonly updates: { service: string; taskDefinitionArn: string }[] = [];
  migration: { exitCode?: number; polls?: number; stopCode?: string; reason?: string } = {
    exitCode: 0,
    polls: 2,
  };
  /** Set: RunTask answers with these failures and starts nothing, as ECS does without capacity. */
  runTaskFailures?: string[];
  readonly tasks = new Map<string, TaskSnapshot & { polls: number }>();
  stopped: TaskSnapshot[] = [];
  running: TaskSnapshot[] = [];
  onDescribeService?: (count: number) => void;
  #describes = 0;
  #ids = 0;

  readonly log: CallLog;
  readonly clock: Clock;
  readonly faults: Faults;
  constructor(log: CallLog, clock: Clock, faults: Faults) {
    this.log = log;
    this.clock = clock;
    this.faults = faults;
  }

  addRevision(
    family: string,
    version: string,
    image: string,
    tags: Record<string, string> = {},
  ): TaskDefinitionSnapshot {
    const revision = [...this.defs.values()].filter((d) => d.family === family).length + 1;
    const def: TaskDefinitionSnapshot = {
      arn: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${family}:${revision}`,
      family,
      revision,
      status: 'ACTIVE',
      containers: [
        {
          name: 'web',
          image,
          environment: { APP_VERSION: version },
          logs: { group: '/ecs/shop', streamPrefix: 'ecs' },
        },
      ],
      tags,
    };
    this.defs.set(def.arn, def);
    return def;
  }

  addService(name: string, taskDefinitionArn: string, desired = 2): void {
    this.services.set(name, {
      name,
      desired,
      events: [],
      deployments: [this.#deployment(taskDefinitionArn, desired, { kind: 'complete' }, 'COMPLETED', desired)],
    });
  }

  versionOf(arn: string): string {
    return this.defs.get(arn)?.containers[0]?.environment.APP_VERSION ?? '';
  }

  /** The version the service's load balancer sends traffic to: the newest COMPLETED deployment. */
  servingVersion(service: string): string | undefined {
    const s = this.services.get(service);
    const primary = s?.deployments.find((d) => d.status === 'PRIMARY');
    return primary?.rolloutState === 'COMPLETED' ? this.versionOf(primary.taskDefinitionArn) : undefined;
  }

  async describeTaskDefinition(familyOrArn: string) {
    this.log.push('ECS.DescribeTaskDefinition');
    const def =
      this.defs.get(familyOrArn) ??
      [...this.defs.values()]
        .filter((d) => d.family === familyOrArn && d.status === 'ACTIVE')
        .sort((a, b) => b.revision - a.revision)[0];
    if (!def)
      throw Object.assign(new Error(`no task definition ${familyOrArn}`), { name: 'ClientException' });
    return structuredClone(def);
  }

  async registerRevision(input: {
    baseArn: string;
    container: string;
    image: string;
    environment: Record<string, string>;
    tags: Record<string, string>;
  }) {
    this.log.push('ECS.RegisterTaskDefinition');
    const base = this.defs.get(input.baseArn)!;
    const def = this.addRevision(base.family, input.environment.APP_VERSION ?? '', input.image, input.tags);
    def.containers[0]!.environment = { ...base.containers[0]!.environment, ...input.environment };
    return structuredClone(def);
  }

  async describeService(_cluster: string, name: string): Promise<ServiceSnapshot> {
    this.log.push('ECS.DescribeServices');
    this.faults.check('DescribeServices');
    const s = this.services.get(name);
    if (!s) throw new Error(`no service ${name}`);
    this.#describes += 1;
    this.onDescribeService?.(this.#describes);
    this.#advance(s);
    const primary = s.deployments.find((d) => d.status === 'PRIMARY')!;
    return structuredClone({
      name,
      arn: `arn:aws:ecs:eu-west-1:111111111111:service/shop/${name}`,
      status: 'ACTIVE',
      taskDefinitionArn: primary.taskDefinitionArn,
      desiredCount: s.desired,
      runningCount: s.deployments.reduce((n, d) => n + d.runningCount, 0),
      pendingCount: 0,
      deployments: s.deployments.map(({ polls: _p, script: _s, rollbackOf: _r, ...d }) => d),
      events: [...s.events].reverse(),
    });
  }

  async updateService(_cluster: string, name: string, taskDefinitionArn: string) {
    this.log.push('ECS.UpdateService');
    this.faults.check('UpdateService');
    const s = this.services.get(name)!;
    this.updates.push({ service: name, taskDefinitionArn });
    for (const d of s.deployments) if (d.status === 'PRIMARY') d.status = 'ACTIVE';
    // A script keyed `<service>:<version>` applies to that service only.
    const version = this.versionOf(taskDefinitionArn);
    const script = this.scripts.get(`${name}:${version}`) ??
      this.scripts.get(version) ?? { kind: 'complete' };
    const d = this.#deployment(taskDefinitionArn, s.desired, script, 'IN_PROGRESS', 0);
    s.deployments.unshift(d);
    return { deploymentId: d.id };
  }

  async describeServiceDeployment() {
    this.log.push('ECS.DescribeServiceDeployments');
    return undefined;
  }

  async runTask(input: { cluster: string; taskDefinitionArn: string; container: string; command: string[] }) {
    this.log.push('ECS.RunTask');
    if (this.runTaskFailures) {
      throw new TaskNotStartedError(input.taskDefinitionArn, this.runTaskFailures, RUN_TASK_HINT);
    }
    const arn = `arn:aws:ecs:eu-west-1:111111111111:task/shop/${(++this.#ids).toString(16).padStart(32, '0')}`;
    const task = {
      arn,
      taskDefinitionArn: input.taskDefinitionArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      containers: [{ name: input.container }],
      polls: 0,
    };
    this.tasks.set(arn, task);
    return structuredClone(task);
  }

  async describeTask(_cluster: string, arn: string) {
    this.log.push('ECS.DescribeTasks');
    const t = this.tasks.get(arn);
    if (!t) return undefined;
    t.polls += 1;
    if (t.lastStatus !== 'STOPPED' && t.polls >= (this.migration.polls ?? 2)) {
      t.lastStatus = 'STOPPED';
      t.desiredStatus = 'STOPPED';
      if (this.migration.stopCode) t.stopCode = this.migration.stopCode;
      if (this.migration.reason) t.stoppedReason = this.migration.reason;
      t.containers = [
        {
          name: t.containers[0]!.name,
          ...(this.migration.exitCode !== undefined ? { exitCode: this.migration.exitCode } : {}),
        },
      ];
    }
    const { polls: _p, ...snapshot } = t;
    return structuredClone(snapshot);
  }

  async listStoppedTasks() {
    this.log.push('ECS.ListTasks');
    return structuredClone(this.stopped);
  }

  async listRunningTasks() {
    this.log.push('ECS.ListTasks');
    return structuredClone(this.running);
  }

  async stopTask(_cluster: string, arn: string) {
    this.log.push('ECS.StopTask');
    const t = this.tasks.get(arn);
    if (t) t.lastStatus = 'STOPPED';
  }

  #deployment(
    taskDefinitionArn: string,
    desired: number,
    script: RolloutScript,
    rolloutState: 'IN_PROGRESS' | 'COMPLETED',
    running: number,
  ) {
    const now = this.clock.now();
    return {
      id: `ecs-svc/${++this.#ids}`,
      status: 'PRIMARY' as const,
      taskDefinitionArn,
      rolloutState,
      desiredCount: desired,
      runningCount: running,
      pendingCount: 0,
      failedTasks: 0,
      createdAt: now,
      updatedAt: now,
      polls: 0,
      script,
    };
  }

  /** One poll's worth of ECS: rollouts move on, the breaker trips, ECS rolls back. */
  #advance(s: FakeService): void {
    const primary = s.deployments.find((d) => d.status === 'PRIMARY');
    if (primary?.rolloutState !== 'IN_PROGRESS') return;
    primary.polls += 1;
    const script = primary.script;
    const polls = script.kind === 'stuck' ? Number.POSITIVE_INFINITY : (script.polls ?? 2);
    if (primary.polls < polls) return;
    if (script.kind === 'complete') {
      primary.rolloutState = 'COMPLETED';
      primary.runningCount = s.desired;
      s.deployments = [primary];
      this.#event(s, `(service ${s.name}) has reached a steady state.`);
      return;
    }
    if (script.kind === 'breaker') {
      primary.rolloutState = 'FAILED';
      primary.rolloutStateReason = 'ECS deployment circuit breaker: tasks failed to start.';
      primary.failedTasks = 3;
      const old = s.deployments.find((d) => d !== primary);
      this.#event(
        s,
        `(service ${s.name}) (deployment ${primary.id}) deployment failed: tasks failed to start.`,
      );
      if (!old || script.final) return;
      primary.status = 'ACTIVE';
      const rollback = this.#deployment(
        old.taskDefinitionArn,
        s.desired,
        script.rollbackFails ? { kind: 'breaker', polls: 2, final: true } : { kind: 'complete' },
        'IN_PROGRESS',
        0,
      );
      s.deployments = [rollback, primary];
      this.#event(s, `(service ${s.name}) rolling back to deployment ${rollback.id}.`);
    }
  }

  #event(s: FakeService, message: string): void {
    s.events.push({ id: `ev-${++this.#ids}`, createdAt: this.clock.now(), message });
  }
}

export class FakeDatabase implements Database {
  readonly snapshots = new Map<string, DbSnapshot & { polls: number }>();
  status: string | undefined = 'available';
  snapshotPolls = 2;
  readonly log: CallLog;
  readonly clock: Clock;
  constructor(log: CallLog, clock: Clock) {
    this.log = log;
    this.clock = clock;
  }
  async describeStatus() {
    this.log.push('RDS.DescribeDBInstances');
    return this.status;
  }
  async createSnapshot(_identifier: string, id: string, tags: Record<string, string>) {
    this.log.push('RDS.CreateDBSnapshot');
    if (this.snapshots.has(id))
      throw Object.assign(
        new Error(`Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`),
        {
          name: 'DBSnapshotAlreadyExistsFault',
          $fault: 'client',
        },
      );
    const snap = { id, status: 'creating', createdAt: this.clock.now(), tags, polls: 0 };
    this.snapshots.set(id, snap);
    return structuredClone(snap);
  }
  async describeSnapshot(id: string) {
    this.log.push('RDS.DescribeDBSnapshots');
    const s = this.snapshots.get(id);
    if (!s) return undefined;
    s.polls += 1;
    if (s.polls >= this.snapshotPolls) s.status = 'available';
    return structuredClone(s);
  }
  async listSnapshots() {
    this.log.push('RDS.DescribeDBSnapshots');
    return [...this.snapshots.values()].map((s) => structuredClone(s));
  }
  async deleteSnapshot(id: string) {
    this.log.push('RDS.DeleteDBSnapshot');
    this.snapshots.delete(id);
  }
  add(id: string, createdAt: Date, tags: Record<string, string>): void {
    this.snapshots.set(id, { id, status: 'available', createdAt, tags, polls: 0 });
  }
}

export class FakeLoadBalancer implements LoadBalancer {
  targets: { id: string; state: string; description?: string }[] = [];
  readonly log: CallLog;
  constructor(log: CallLog) {
    this.log = log;
  }
  async targetHealth() {
    this.log.push('ELBv2.DescribeTargetHealth');
    return structuredClone(this.targets);
  }
}

export class FakeLogs implements LogReader {
  /** Served to any stream not in `streams` (the migration's), each line once. */
  lines: string[] = [];
  /** Lines of named streams, keyed `group|stream`, read forward `pageSize` events per call. */
  readonly streams = new Map<string, string[]>();
  /** Errors thrown by every read of a stream, keyed `group|stream`. */
  readonly failing = new Map<string, unknown>();
  /** Every stream read, as `group|stream`. */
  readonly reads: string[] = [];
  pageSize = 10_000;
  #served = 0;
  readonly log: CallLog;
  constructor(log: CallLog) {
    this.log = log;
  }
  /** Like GetLogEvents with startFromHead=false and a limit; `lines` streams (the migration's) have no tail. */
  async readTail(group: string, stream: string, limit: number) {
    this.log.push('Logs.GetLogEvents');
    const key = `${group}|${stream}`;
    this.reads.push(key);
    if (this.failing.has(key)) throw this.failing.get(key);
    const named = this.streams.get(key) ?? [];
    const from = Math.max(0, named.length - limit);
    return named.slice(from).map((message, i) => ({ timestamp: new Date((from + i) * 1000), message }));
  }
  async readStream(group = '', stream = '', nextToken?: string) {
    this.log.push('Logs.GetLogEvents');
    const key = `${group}|${stream}`;
    this.reads.push(key);
    if (this.failing.has(key)) throw this.failing.get(key);
    const named = this.streams.get(key);
    if (named) {
      const from = nextToken ? Number(nextToken.slice(2)) : 0;
      const page = named.slice(from, from + this.pageSize);
      const events = page.map((message, i) => ({ timestamp: new Date((from + i) * 1000), message }));
      return { events, nextToken: `f/${from + page.length}` };
    }
    const events = this.lines.slice(this.#served).map((message) => ({ timestamp: new Date(0), message }));
    this.#served = this.lines.length;
    return { events, nextToken: `f/${this.#served}` };
  }
}

/**
 * Answers health probes with the version the fake ECS serves. Versions in
 * `unhealthy` answer 503, optionally only from their `after`-th probe on.
 */
export class FakeHttp implements HttpProbe {
  readonly unhealthy = new Map<string, number>();
  readonly probes: string[] = [];
  #count = new Map<string, number>();
  readonly ecs: FakeEcs;
  readonly services: Record<string, string>;
  constructor(ecs: FakeEcs, services: Record<string, string>) {
    this.ecs = ecs;
    this.services = services;
  }
  async get(url: string) {
    this.probes.push(url);
    const service = Object.entries(this.services).find(([, base]) => url.startsWith(base))?.[0];
    const version = service ? this.ecs.servingVersion(service) : undefined;
    if (!version) return { error: 'ECONNREFUSED' };
    const n = (this.#count.get(version) ?? 0) + 1;
    this.#count.set(version, n);
    const after = this.unhealthy.get(version);
    if (after !== undefined && n > after) return { status: 503, body: '{"error":"down"}' };
    return { status: 200, body: JSON.stringify({ version }) };
  }
}

export class FakeIdentity implements Identity {
  readonly log: CallLog;
  constructor(log: CallLog) {
    this.log = log;
  }
  async whoAmI() {
    this.log.push('STS.GetCallerIdentity');
    return { account: '111111111111', arn: 'arn:aws:sts::111111111111:assumed-role/deploy/ferry' };
  }
}

export interface FakeWorld {
  log: CallLog;
  clock: FakeClock;
  faults: Faults;
  parameters: FakeParameters;
  registry: FakeRegistry;
  ecs: FakeEcs;
  database: FakeDatabase;
  loadBalancer: FakeLoadBalancer;
  logs: FakeLogs;
  http: FakeHttp;
  identity: FakeIdentity;
  ports: Ports;
  events: FerryEvent[];
  controller: AbortController;
  deps: Deps;
}

export function fakeWorld(
  options: { pollIntervalMs?: number; services?: Record<string, string> } = {},
): FakeWorld {
  const log: CallLog = [];
  const clock = new FakeClock();
  const faults = new Faults();
  const ecs = new FakeEcs(log, clock, faults);
  const services = options.services ?? { 'shop-staging-web': 'http://lb.test/_lb/shop-staging-web' };
  const world = {
    log,
    clock,
    faults,
    parameters: new FakeParameters(log, clock, faults),
    registry: new FakeRegistry(log),
    ecs,
    database: new FakeDatabase(log, clock),
    loadBalancer: new FakeLoadBalancer(log),
    logs: new FakeLogs(log),
    http: new FakeHttp(ecs, services),
    identity: new FakeIdentity(log),
    events: [] as FerryEvent[],
    controller: new AbortController(),
  };
  const ports: Ports = {
    parameters: world.parameters,
    registry: world.registry,
    ecs: world.ecs,
    database: world.database,
    loadBalancer: world.loadBalancer,
    logs: world.logs,
    http: world.http,
    identity: world.identity,
  };
  const deps: Deps = {
    ports,
    clock,
    emit: (e) => world.events.push(e),
    signal: world.controller.signal,
    pollIntervalMs: options.pollIntervalMs ?? 5000,
  };
  return { ...world, ports, deps };
}
