/**
 * Plan: every decision of a release, from what read.ts gathered. Pure: no I/O,
 * no clock, so each choice the runbook makes (refuse or go on, which image,
 * reuse or register, snapshot or not, converge, what to roll back to, the
 * migration gate) is tested directly with a table of states.
 */
import type { Descriptor } from '../config/schema.ts';
import { ExitCode } from '../errors.ts';
import { judgeMigrations } from '../migrations/check.ts';
import type { LogEvent } from './events.ts';
import type { LedgerEntry, RecordKind } from './ledger.ts';
import type { ServiceSnapshot, TaskDefinitionSnapshot } from './ports.ts';
import { isOlderThan } from './promotion-order.ts';
import type { ReleaseState } from './read.ts';
import type { ReleaseAsk, ReleaseRequest, ReleaseResult } from './request.ts';
import { snapshotName } from './resource-names.ts';
import { noImageHint } from './sha-prefix.ts';
import {
  carriesRelease,
  currentRevisionOf,
  familyOf,
  imageOf,
  pinnedImage,
  primaryOf,
  versionOf,
} from './versions.ts';

/** What the runbook does: a promotion deploys a copied image. */
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
  /** What the ledger and the result call this run. */
  recordKind: RecordKind;
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
  /** Promotion only: where the image comes from (copied after the lock) and whether the source is checked live. */
  promotion?: { from: string; sourceCheck: 'run' | { skip: string } };
  /** The target already runs this exact release: nothing to do (a promotion's no-op). */
  nothingToDo?: string;
  /** What to tell the user before the lock (the migration check, a skipped promotion). */
  notes: LogEvent[];
  committedAt?: string;
  skippedPromotion?: true;
}

/** A release that must not start: exit 2, nothing changed. */
export interface Refusal {
  refused: true;
  exitCode: ExitCode;
  reason: string;
  next: string[];
  notes: LogEvent[];
}

export type Decision = Plan | Refusal;

export const isRefusal = (d: Decision | undefined): d is Refusal => d !== undefined && 'refused' in d;

/** The run's result when a refusal ends it. */
export const refusalResult = (r: Refusal): ReleaseResult => ({
  outcome: 'aborted',
  exitCode: r.exitCode,
  reason: r.reason,
  ...(r.next.length ? { next: r.next } : {}),
});

const refuse = (reason: string, next: string[] = [], notes: LogEvent[] = []): Refusal => ({
  refused: true,
  exitCode: ExitCode.Usage,
  reason,
  next,
  notes,
});

/**
 * The rules on the request alone, before anything is read: an environment fed
 * by promotion takes images only from its source.
 */
export function refuseRequest(req: ReleaseAsk & Pick<ReleaseRequest, 'env' | 'config'>): Refusal | undefined {
  const promoteFrom = req.config.environments[req.env]?.promoteFrom;
  if (req.kind === 'deploy' && promoteFrom && !req.skipPromotion) {
    return refuse(
      `${req.env} takes images only through promotion from ${promoteFrom} (environments.${req.env}.promoteFrom); nothing was changed`,
      [
        `release what passed ${promoteFrom}: ferry promote --from ${promoteFrom} --to ${req.env} --sha ${req.sha}`,
        'in an emergency only, deploy without promotion with --skip-promotion (recorded in the ledger and flagged)',
      ],
    );
  }
  if (req.kind === 'promote') {
    if (req.from === req.env)
      return refuse(`--from and --to are both ${req.env}; promote between two environments`);
    if (promoteFrom !== undefined && promoteFrom !== req.from)
      return refuse(
        `--from ${req.from}: ${req.env} promotes from ${promoteFrom} (environments.${req.env}.promoteFrom in the config)`,
      );
  }
  return undefined;
}

export function planRelease(state: ReleaseState): Decision {
  const req = state.request;
  const { descriptor } = req;
  const notes: LogEvent[] = [];
  const warn = (message: string) => notes.push({ type: 'log', level: 'warn', message });
  const target = state.target;
  if (target.kind === 'promote') {
    notes.push({
      type: 'log',
      level: 'info',
      message: `promoting ${state.sha} (${target.passed.digest}), deployed to ${target.from} at ${target.passed.finishedAt} by ${target.passed.actor}`,
    });
    const older = req.kind === 'promote' && !req.allowOlder && olderThanTarget(state, target.sourceLedger);
    if (older) {
      return refuse(
        `${state.sha.slice(0, 7)} passed ${target.from} before ${older.slice(0, 7)}, which ${req.env} runs: promoting it would move ${req.env} backwards; nothing was changed`,
        [
          `to go back on purpose: ferry rollback ${req.env} --to ${state.sha.slice(0, 7)}`,
          'or, if this is really what you want: ferry promote ... --allow-older',
        ],
        notes,
      );
    }
  }
  const skippedPromotion =
    req.kind === 'deploy' && req.skipPromotion && req.config.environments[req.env]?.promoteFrom;
  if (skippedPromotion) {
    warn(
      `deploying to ${req.env} without promotion from ${skippedPromotion} (--skip-promotion): this image did not have to pass ${skippedPromotion}`,
    );
  }
  if (state.migrations) {
    const verdict = judgeMigrations(state.migrations, {
      mode: req.config.migrate?.dangerous,
      sha: state.sha,
    });
    notes.push(...verdict.lines);
    if (verdict.refusal) return refuse(verdict.refusal.reason, verdict.refusal.next, notes);
  }

  const digest = chooseDigest(state);
  if (typeof digest !== 'string') return { ...digest, notes };
  for (const live of state.services) {
    if (live.status !== 'ACTIVE')
      return refuse(
        `service ${live.name} in cluster ${descriptor.cluster} is ${live.status}, not ACTIVE; check the descriptor`,
        [],
        notes,
      );
  }
  for (const s of descriptor.services) {
    const latest = state.latest.get(familyOf(descriptor, s));
    const names = latest?.containers.map((c) => c.name) ?? [];
    if (latest && !names.includes(s.container))
      return refuse(
        `task definition ${latest.family}:${latest.revision} has no container named "${s.container}" (it has: ${names.join(', ') || 'none'}); check the descriptor's services[].container`,
        [],
        notes,
      );
  }
  if (state.database && state.database.status === undefined) {
    return refuse(
      `database ${state.database.identifier} (descriptor database.identifier) does not exist; fix the descriptor`,
      [],
      notes,
    );
  }

  const kind: ReleaseKind = req.kind === 'rollback' ? 'rollback' : 'deploy';
  const image = pinnedImage(descriptor.repository.uri, digest);
  const services = descriptor.services.map((s, i) => planService(state, s, i === 0, image, digest));
  const first = services[0]!;
  const allConverged = services.every((s) => s.converged);
  const plan: Plan = {
    kind,
    recordKind: req.kind,
    app: descriptor.app,
    env: req.env,
    sha: state.sha,
    digest,
    image,
    cluster: descriptor.cluster,
    revision: first.revision,
    snapshot: planSnapshot(state, kind, allConverged),
    migration: planMigration(state, kind, first.container, allConverged),
    services,
    ...(first.previousSha ? { previousSha: first.previousSha } : {}),
    network: descriptor.network,
    notes,
    ...(state.committedAt ? { committedAt: state.committedAt } : {}),
    ...(skippedPromotion ? { skippedPromotion: true as const } : {}),
  };
  if (req.kind === 'promote') {
    const why = req.skipSourceCheck ? '--skip-source-check' : undefined;
    plan.promotion = { from: req.from, sourceCheck: why ? { skip: why } : 'run' };
    if (allConverged) {
      // The full digest is in the result's `digest`; the line stays readable at 100 columns.
      plan.nothingToDo = `${req.env} already runs ${state.sha.slice(0, 7)} (${digest.slice(0, 19)}), the release ${req.from} runs: nothing to promote`;
    }
  }
  return plan;
}

/** The SHA the target runs when the candidate passed the source before it, else undefined. */
function olderThanTarget(state: ReleaseState, sourceLedger: LedgerEntry[]): string | undefined {
  const first = state.services[0];
  if (!first) return undefined;
  const running = versionOf(
    state.revisions.get(currentRevisionOf(first)),
    state.request.descriptor.services[0]!.container,
  );
  return isOlderThan(sourceLedger, state.sha, running) ? running : undefined;
}

/** The digest to release, or why there is none. */
function chooseDigest(state: ReleaseState): string | Refusal {
  const { target, sha, request: req } = state;
  const repo = req.descriptor.repository.name;
  if (target.kind === 'rollback') {
    if (!target.imageExists)
      return refuse(
        `the image of release ${sha} (${repo}@${target.to.digest}) no longer exists in ECR; pick another release with --to`,
      );
    return target.to.digest;
  }
  if (target.kind === 'promote') {
    // The target's tag may already exist (a re-run), but only for that same image.
    if (target.targetTag && target.targetTag !== target.passed.digest)
      return refuse(
        `repository ${repo} already tags ${sha} as ${target.targetTag}, not the image that ran in ${target.from} (${target.passed.digest}); tags are immutable, so this release cannot be promoted: investigate who pushed it`,
      );
    return target.passed.digest;
  }
  if (!target.digest)
    return refuse(`--sha ${sha}: no image tagged ${sha} in repository ${repo}`, [
      noImageHint(req.config, req.env, sha),
    ]);
  return target.digest;
}

function planService(
  state: ReleaseState,
  s: Descriptor['services'][number],
  first: boolean,
  image: string,
  digest: string,
): ServicePlan {
  const family = familyOf(state.request.descriptor, s);
  const latest = state.latest.get(family);
  if (!latest) throw new Error(`no latest revision read for family ${family}`);
  const revision = chooseRevision(state, latest, state.recorded?.get(s.name), s.container, image, digest);
  const live = state.services.find((x) => x.name === s.name);
  const current = live ? currentRevisionOf(live) : undefined;
  const converged = live ? isConverged(live, revision) : false;
  // A re-run whose release is already live rolls back, if it must, to the release before it in the ledger.
  const onTarget = revision.kind === 'reuse' && current === revision.arn;
  const previous = onTarget ? previousInLedger(state.ledger, s.name, first, current) : current;
  const previousSha = versionOf(previous ? state.revisions.get(previous) : undefined, s.container);
  return {
    name: s.name,
    container: s.container,
    ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
    ...(s.targetGroupArn ? { targetGroupArn: s.targetGroupArn } : {}),
    family,
    revision,
    ...(previous ? { previousTaskDefinitionArn: previous } : {}),
    ...(previousSha ? { previousSha } : {}),
    converged,
    knownEventIds: live?.events.map((e) => e.id) ?? [],
  };
}

/**
 * The revision a service ran in the newest deployed release of the ledger that
 * is not `current` (old records name the first service's revision only).
 */
export function previousInLedger(
  ledger: LedgerEntry[],
  service: string,
  first: boolean,
  current: string | undefined,
): string | undefined {
  for (const e of ledger) {
    if (e.outcome !== 'deployed') continue;
    const arn =
      e.services?.find((x) => x.name === service)?.taskDefinitionArn ?? (first ? e.taskDefinitionArn : null);
    if (arn && arn !== current) return arn;
  }
  return undefined;
}

function chooseRevision(
  state: ReleaseState,
  latest: TaskDefinitionSnapshot,
  recorded: TaskDefinitionSnapshot | undefined,
  container: string,
  image: string,
  digest: string,
): RevisionTarget {
  // A recorded revision of another family (an old single-service ledger entry) is not this service's.
  if (recorded && recorded.status === 'ACTIVE' && recorded.family === latest.family)
    return { kind: 'reuse', arn: recorded.arn, image: imageOf(recorded, container) };
  if (carriesRelease(latest, state.sha, digest, container, image))
    return { kind: 'reuse', arn: latest.arn, image };
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

/**
 * The snapshot is the safety net for migrations, so it is taken exactly when a
 * migration runs: no database, no migration command, a rollback (which never
 * migrates) or a re-run whose release is already live mean nothing to protect.
 */
function planSnapshot(state: ReleaseState, kind: ReleaseKind, converged: boolean): Plan['snapshot'] {
  const db = state.request.descriptor.database;
  if (kind === 'rollback') return { skip: 'a rollback does not migrate' };
  if (!db) return { skip: 'the environment has no database' };
  if (!state.request.config.migrate) return { skip: 'no migrate command in the config' };
  if (converged) return { skip: 'the release is already live; nothing to migrate' };
  return {
    database: db.identifier,
    kind: db.kind,
    name: snapshotName(state.request.env, state.sha, state.now),
  };
}

function planMigration(
  state: ReleaseState,
  kind: ReleaseKind,
  container: string,
  converged: boolean,
): Plan['migration'] {
  const migrate = state.request.config.migrate;
  if (kind === 'rollback') return { skip: 'a rollback does not migrate' };
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
