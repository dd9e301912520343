/**
 * Read: every fact the plan needs, gathered before the lock and before any
 * change. Lookups that name the release (a SHA prefix, the rollback target, the
 * promotion's source release) resolve here, because what else to read depends on
 * them; every policy decision is left to the pure planner (plan.ts). A failed
 * read is a one-line exit-2 error naming what to fix: nothing was changed.
 */
import type { Descriptor } from '../config/schema.ts';
import { isFerryError, usageError } from '../errors.ts';
import { type Selection, selectMigrations } from '../migrations/select.ts';
import { type Deps, pollContext } from './context.ts';
import { chooseRollbackTarget, type LedgerEntry, readLedger } from './ledger.ts';
import { previousInLedger } from './plan.ts';
import { errorText, retryTransient } from './poll.ts';
import type { ServiceSnapshot, TaskDefinitionSnapshot } from './ports.ts';
import { choosePromotion } from './promotion.ts';
import type { ReleaseRequest } from './request.ts';
import { expandShaPrefix } from './sha-prefix.ts';
import { currentRevisionOf, familyOf, versionOf } from './versions.ts';

/** What the request names, once looked up. */
export type ReleaseTarget =
  /** The image tagged with the SHA, when there is one. */
  | { kind: 'deploy'; digest?: string }
  /** The recorded release to return to, and whether its image still exists. */
  | { kind: 'rollback'; to: LedgerEntry; imageExists: boolean }
  /** The release that passed the source, and what the target's repository already tags with its SHA. */
  | { kind: 'promote'; from: string; passed: LedgerEntry; sourceLedger: LedgerEntry[]; targetTag?: string };

export interface ReleaseState {
  request: ReleaseRequest;
  /** The release's full SHA. */
  sha: string;
  target: ReleaseTarget;
  /** Each family's latest ACTIVE revision, by family name. */
  latest: Map<string, TaskDefinitionSnapshot>;
  services: ServiceSnapshot[];
  /** The revisions read by ARN: what each service runs now, and the ledger's release before it. */
  revisions: Map<string, TaskDefinitionSnapshot>;
  /** For a rollback: the revision each service ran in the recorded release, when it still exists. */
  recorded?: Map<string, TaskDefinitionSnapshot>;
  /** This environment's ledger, newest first (empty when unreadable and not needed). */
  ledger: LedgerEntry[];
  /** The database's status when a migration could run; undefined status: it does not exist. */
  database?: { identifier: string; status: string | undefined };
  /** The migrations the release adds (`migrate.paths`), when the git history is available. */
  migrations?: Selection;
  /** When the SHA was committed (ISO-8601), for the ledger's lead time. */
  committedAt?: string;
  now: Date;
}

/** A read that retries what is transient and turns anything else into a refusal naming what failed. */
type Read = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

export async function readReleaseState(deps: Deps, req: ReleaseRequest): Promise<ReleaseState> {
  const { descriptor } = req;
  const read: Read = (what, fn) =>
    retryTransient(pollContext(deps), what, fn).catch((err: unknown) => {
      if (deps.signal.aborted || isFerryError(err)) throw err;
      throw usageError(`${what}: ${errorText(err)}`, 'nothing was changed');
    });

  // A rollback is chosen from the ledger, so it must be read; otherwise it only adds a fallback.
  const ledger =
    req.kind === 'rollback'
      ? await read(`the ${req.env} ledger`, () => readLedger(deps.ports.parameters, descriptor.app, req.env))
      : await readLedger(deps.ports.parameters, descriptor.app, req.env).catch(() => []);
  const live = await readLive(deps, descriptor, ledger, read);
  const { sha, target, recorded } = await readTarget(deps, req, ledger, live, read);

  const db = descriptor.database;
  const migrates = req.kind !== 'rollback' && req.config.migrate !== undefined;
  const database =
    migrates && db
      ? {
          identifier: db.identifier,
          status: await read(`database ${db.identifier}`, () =>
            deps.ports.database.describeStatus(db.identifier),
          ),
        }
      : undefined;
  const migrations = migrates ? await readMigrations(deps, req, sha, live) : undefined;
  const committedAt =
    req.kind !== 'rollback' ? await deps.history?.committedAt(sha).catch(() => undefined) : undefined;
  return {
    request: req,
    sha,
    target,
    ...live,
    ...(recorded ? { recorded } : {}),
    ledger,
    ...(database ? { database } : {}),
    ...(migrations ? { migrations } : {}),
    ...(committedAt ? { committedAt } : {}),
    now: deps.clock.now(),
  };
}

type Live = Pick<ReleaseState, 'latest' | 'services' | 'revisions'>;

/** Each family's latest revision, each service, and the revisions behind what runs now. */
async function readLive(
  deps: Deps,
  descriptor: Descriptor,
  ledger: LedgerEntry[],
  read: Read,
): Promise<Live> {
  const latest = new Map<string, TaskDefinitionSnapshot>();
  for (const s of descriptor.services) {
    const family = familyOf(descriptor, s);
    if (latest.has(family)) continue;
    latest.set(
      family,
      await read(`task definition family ${family}`, () => deps.ports.ecs.describeTaskDefinition(family)),
    );
  }
  const services: ServiceSnapshot[] = [];
  for (const s of descriptor.services) {
    services.push(
      await read(`service ${s.name} in cluster ${descriptor.cluster}`, () =>
        deps.ports.ecs.describeService(descriptor.cluster, s.name),
      ),
    );
  }
  // What runs now, and the ledger's release before it (a re-run's previous revision).
  const revisions = new Map<string, TaskDefinitionSnapshot>();
  for (const [i, s] of services.entries()) {
    const current = currentRevisionOf(s);
    for (const arn of [current, previousInLedger(ledger, s.name, i === 0, current)]) {
      if (!arn || revisions.has(arn)) continue;
      const def = await optional(() => deps.ports.ecs.describeTaskDefinition(arn));
      if (def) revisions.set(arn, def);
    }
  }
  return { latest, services, revisions };
}

/** What the request names: the full SHA and its image, the rollback's recorded release, or the promotion's. */
async function readTarget(
  deps: Deps,
  req: ReleaseRequest,
  ledger: LedgerEntry[],
  live: Live,
  read: Read,
): Promise<{ sha: string; target: ReleaseTarget; recorded?: Map<string, TaskDefinitionSnapshot> }> {
  const { descriptor } = req;
  const repo = descriptor.repository.name;
  if (req.kind === 'rollback') {
    const first = live.services[0]!;
    const runningArn = currentRevisionOf(first);
    const runningSha = versionOf(live.revisions.get(runningArn), descriptor.services[0]!.container);
    const choice = chooseRollbackTarget(
      ledger,
      { taskDefinitionArn: runningArn, ...(runningSha ? { sha: runningSha } : {}) },
      req.to,
    );
    if ('problem' in choice) throw usageError(choice.problem);
    const to = choice.found;
    const imageExists = await read(`image ${repo}@${to.digest}`, () =>
      deps.ports.registry.hasDigest(repo, to.digest),
    );
    return {
      sha: to.sha,
      target: { kind: 'rollback', to, imageExists },
      recorded: await recordedRevisions(deps, descriptor, to),
    };
  }
  if (req.kind === 'promote') {
    const source = deps.source;
    if (!source) throw new Error('a promotion needs its source environment in the pipeline deps');
    const choice = await choosePromotion(source.ports, source.descriptor, req.from, req.sha);
    const tagged = await read(`image ${repo}:${choice.sha}`, () =>
      deps.ports.registry.findImageByTag(repo, choice.sha),
    );
    return {
      sha: choice.sha,
      target: {
        kind: 'promote',
        from: req.from,
        passed: choice.passed,
        sourceLedger: choice.sourceLedger,
        ...(tagged ? { targetTag: tagged.digest } : {}),
      },
    };
  }
  const sha = await expandShaPrefix(deps.ports, descriptor, req.config, req.env, req.sha);
  const tagged = await read(`image ${repo}:${sha}`, () => deps.ports.registry.findImageByTag(repo, sha));
  return { sha, target: { kind: 'deploy', ...(tagged ? { digest: tagged.digest } : {}) } };
}

/** The files `migrate.paths` selects between what runs now and the release; git says what it can. */
async function readMigrations(
  deps: Deps,
  req: ReleaseRequest,
  sha: string,
  live: Live,
): Promise<Selection | undefined> {
  const globs = req.config.migrate?.paths;
  if (!deps.history || !globs || globs.length === 0) return undefined;
  const first = live.services[0];
  const running = first
    ? versionOf(live.revisions.get(currentRevisionOf(first)), req.descriptor.services[0]!.container)
    : undefined;
  return selectMigrations({ git: deps.history.git, globs, sha, ...(running ? { running } : {}) });
}

/** The revision each service ran in the recorded release (old records name the first service's only). */
async function recordedRevisions(
  deps: Deps,
  descriptor: Descriptor,
  to: LedgerEntry,
): Promise<Map<string, TaskDefinitionSnapshot>> {
  const found = new Map<string, TaskDefinitionSnapshot>();
  for (const [i, s] of descriptor.services.entries()) {
    const arn =
      to.services?.find((x) => x.name === s.name)?.taskDefinitionArn ??
      (i === 0 ? to.taskDefinitionArn : null);
    const def = arn ? await optional(() => deps.ports.ecs.describeTaskDefinition(arn)) : undefined;
    if (def) found.set(s.name, def);
  }
  return found;
}

async function optional(
  fn: () => Promise<TaskDefinitionSnapshot>,
): Promise<TaskDefinitionSnapshot | undefined> {
  try {
    return await fn();
  } catch {
    return undefined;
  }
}
