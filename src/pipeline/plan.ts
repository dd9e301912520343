/**
 * The release plan: pure decisions from what resolve read. No I/O here, so every
 * choice the runbook makes (reuse or register, snapshot or not, converge, what to
 * roll back to) is tested without fakes.
 */
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import type { ServiceSnapshot, TaskDefinitionSnapshot } from './ports.ts';
import { snapshotName, TAG_DIGEST, TAG_SHA, VERSION_VARIABLE } from './resource-names.ts';

export type ReleaseKind = 'deploy' | 'rollback';

/** What runs the new version: a revision that exists already, or one to register from the family's latest. */
export type RevisionTarget =
  | { kind: 'reuse'; arn: string; image: string }
  | { kind: 'register'; baseArn: string; baseImage: string; container: string; image: string };

export interface ServicePlan {
  name: string;
  container: string;
  /** Absent for a service without a load balancer: its health is its ECS deployment. */
  baseUrl?: string;
  targetGroupArn?: string;
  /** The service's task family: its revisions start from this family's latest ACTIVE one. */
  family: string;
  /** What this service runs after the release. */
  revision: RevisionTarget;
  /** The PRIMARY revision before this release: what a rollback returns to. */
  previousTaskDefinitionArn?: string;
  /** The version the previous revision runs (its ferry:sha tag or APP_VERSION), to verify after a rollback. */
  previousSha?: string;
  /** Already on the target revision with one COMPLETED deployment (a re-run after a crash). */
  converged: boolean;
  /** Service events that existed before this release: never reported as news. */
  knownEventIds: string[];
}

export interface Plan {
  kind: ReleaseKind;
  app: string;
  env: string;
  sha: string;
  digest: string;
  /** `uri@sha256:...`: the image is always pinned by digest. */
  image: string;
  cluster: string;
  /** The first service's revision: the migration runs in it. */
  revision: RevisionTarget;
  snapshot: { database: string; kind: 'instance' | 'cluster'; name: string } | { skip: string };
  migration: { command: string[]; container: string; timeoutMs: number } | { skip: string };
  services: ServicePlan[];
  /** The version the first service's previous revision runs. */
  previousSha?: string;
  network: Descriptor['network'];
}

export interface PlanInput {
  kind: ReleaseKind;
  env: string;
  sha: string;
  digest: string;
  config: FerryConfig;
  descriptor: Descriptor;
  /** Each family's latest ACTIVE revision, by family name. */
  latest: Map<string, TaskDefinitionSnapshot>;
  /** For a rollback: the recorded revision of the release to return to per service, when it is still ACTIVE. */
  recorded?: Map<string, TaskDefinitionSnapshot>;
  services: ServiceSnapshot[];
  /** The previous revision per service, when it is not the service's current one (a converged re-run). */
  previousFallback?: Map<string, string>;
  /** The previous revision of each service, by service name, to know which version it runs. */
  previous?: Map<string, TaskDefinitionSnapshot>;
  now: Date;
}

export function pinnedImage(repositoryUri: string, digest: string): string {
  return `${repositoryUri}@${digest}`;
}

export function primaryOf(service: ServiceSnapshot) {
  return service.deployments.find((d) => d.status === 'PRIMARY');
}

/** The version a revision runs: ferry's tag, else the container's APP_VERSION. */
export function versionOf(def: TaskDefinitionSnapshot | undefined, container?: string): string | undefined {
  if (!def) return undefined;
  if (def.tags[TAG_SHA]) return def.tags[TAG_SHA];
  const c = def.containers.find((x) => x.name === container) ?? def.containers[0];
  return c?.environment[VERSION_VARIABLE];
}

export function imageOf(def: TaskDefinitionSnapshot, container: string): string {
  return def.containers.find((c) => c.name === container)?.image ?? '(no such container)';
}

/**
 * A revision carries this release when ferry tagged it with the same SHA and digest
 * and its container runs that exact pinned image. Reusing it (instead of registering
 * another identical revision) is what makes a re-run converge.
 */
export function carriesRelease(
  def: TaskDefinitionSnapshot,
  sha: string,
  digest: string,
  container: string,
  image: string,
) {
  return def.tags[TAG_SHA] === sha && def.tags[TAG_DIGEST] === digest && imageOf(def, container) === image;
}

/** The family each descriptor service's revisions come from. */
export function familyOf(descriptor: Descriptor, service: Descriptor['services'][number]): string {
  return service.taskDefinitionFamily ?? descriptor.taskDefinitionFamily;
}

function chooseRevision(
  input: PlanInput,
  latest: TaskDefinitionSnapshot,
  recorded: TaskDefinitionSnapshot | undefined,
  container: string,
  image: string,
): RevisionTarget {
  const { sha, digest } = input;
  // A recorded revision of another family (an old single-service ledger entry) is not this service's.
  if (recorded && recorded.status === 'ACTIVE' && recorded.family === latest.family)
    return { kind: 'reuse', arn: recorded.arn, image: imageOf(recorded, container) };
  if (carriesRelease(latest, sha, digest, container, image)) return { kind: 'reuse', arn: latest.arn, image };
  return { kind: 'register', baseArn: latest.arn, baseImage: imageOf(latest, container), container, image };
}

function isConverged(service: ServiceSnapshot, revision: RevisionTarget): boolean {
  if (revision.kind !== 'reuse') return false;
  const primary = primaryOf(service);
  return (
    service.deployments.length === 1 &&
    primary?.taskDefinitionArn === revision.arn &&
    (primary.rolloutState ?? 'COMPLETED') === 'COMPLETED' &&
    primary.runningCount >= primary.desiredCount
  );
}

export function planRelease(input: PlanInput): Plan {
  const { descriptor, sha, digest, env, kind } = input;
  const image = pinnedImage(descriptor.repository.uri, digest);
  const services = descriptor.services.map((s): ServicePlan => {
    const family = familyOf(descriptor, s);
    const latest = input.latest.get(family);
    if (!latest) throw new Error(`no latest revision read for family ${family}`);
    const revision = chooseRevision(input, latest, input.recorded?.get(s.name), s.container, image);
    const live = input.services.find((x) => x.name === s.name);
    const current = live ? (primaryOf(live)?.taskDefinitionArn ?? live.taskDefinitionArn) : undefined;
    const converged = live ? isConverged(live, revision) : false;
    const onTarget = revision.kind === 'reuse' && current === revision.arn;
    const previousSha = versionOf(input.previous?.get(s.name), s.container);
    return {
      name: s.name,
      container: s.container,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      ...(s.targetGroupArn ? { targetGroupArn: s.targetGroupArn } : {}),
      family,
      revision,
      ...(onTarget ? withPrevious(input.previousFallback?.get(s.name)) : withPrevious(current)),
      ...(previousSha ? { previousSha } : {}),
      converged,
      knownEventIds: live?.events.map((e) => e.id) ?? [],
    };
  });
  const first = services[0]!;
  const allConverged = services.every((s) => s.converged);
  return {
    kind,
    app: descriptor.app,
    env,
    sha,
    digest,
    image,
    cluster: descriptor.cluster,
    revision: first.revision,
    snapshot: planSnapshot(input, allConverged),
    migration: planMigration(input, first.container, allConverged),
    services,
    ...(first.previousSha ? { previousSha: first.previousSha } : {}),
    network: descriptor.network,
  };
}

const withPrevious = (arn: string | undefined) => (arn ? { previousTaskDefinitionArn: arn } : {});

/**
 * The snapshot is the safety net for migrations, so it is taken exactly when a
 * migration runs: no database, no migration command, a rollback (which never
 * migrates) or a re-run whose release is already live mean nothing to protect.
 */
function planSnapshot(input: PlanInput, converged: boolean): Plan['snapshot'] {
  const db = input.descriptor.database;
  if (input.kind === 'rollback') return { skip: 'a rollback does not migrate' };
  if (!db) return { skip: 'the environment has no database' };
  if (!input.config.migrate) return { skip: 'no migrate command in the config' };
  if (converged) return { skip: 'the release is already live; nothing to migrate' };
  return { database: db.identifier, kind: db.kind, name: snapshotName(input.env, input.sha, input.now) };
}

function planMigration(input: PlanInput, container: string, converged: boolean): Plan['migration'] {
  const migrate = input.config.migrate;
  if (input.kind === 'rollback') return { skip: 'a rollback does not migrate' };
  if (!migrate) return { skip: 'no migrate command in the config' };
  if (converged) return { skip: 'the release is already live; nothing to migrate' };
  return { command: migrate.command, container, timeoutMs: migrate.timeout };
}

/** The lines `--dry-run` prints (and every run shows before it starts). */
export function describePlan(plan: Plan): string[] {
  const lines = [`${plan.kind} ${plan.sha} to ${plan.env}`, `image    ${plan.image}`];
  const several = plan.services.length > 1;
  for (const s of plan.services) {
    const label = several ? `revision ${s.name}:` : 'revision';
    if (s.revision.kind === 'register') {
      lines.push(`${label} new, from ${s.revision.baseArn}`);
      lines.push(`  image  ${s.revision.baseImage} -> ${s.revision.image}`);
    } else {
      lines.push(`${label} reuse ${s.revision.arn}`);
    }
  }
  lines.push(
    'skip' in plan.snapshot
      ? `snapshot skipped: ${plan.snapshot.skip}`
      : `snapshot ${plan.snapshot.name} of ${plan.snapshot.database}`,
  );
  lines.push(
    'skip' in plan.migration
      ? `migrate  skipped: ${plan.migration.skip}`
      : `migrate  ${JSON.stringify(plan.migration.command)}`,
  );
  for (const s of plan.services) {
    const from = s.previousTaskDefinitionArn ?? '(unknown)';
    lines.push(
      `service  ${s.name} (${plan.cluster})${s.converged ? ' already on this release: verify only' : ` from ${from}`}`,
    );
  }
  return lines;
}
