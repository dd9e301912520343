/**
 * Resolve: every read the plan needs, each failure a one-line exit-2 error
 * naming what to fix. Nothing here mutates anything.
 */
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import { isFerryError, usageError } from '../errors.ts';
import { type Deps, pollContext } from './context.ts';
import { readLedger } from './ledger.ts';
import { familyOf, type Plan, type PlanInput, planRelease, type ReleaseKind } from './plan.ts';
import { errorText, retryTransient } from './poll.ts';
import type { ServiceSnapshot, TaskDefinitionSnapshot } from './ports.ts';
import { noImageHint } from './sha-prefix.ts';

/** A recorded release: its digest, and the revision each service ran (first service: `taskDefinitionArn`). */
export interface RollbackTo {
  digest: string;
  taskDefinitionArn: string | null;
  services?: Record<string, string>;
}

export interface ResolveInput {
  kind: ReleaseKind;
  env: string;
  sha: string;
  config: FerryConfig;
  descriptor: Descriptor;
  /** For a rollback: the recorded release to return to (its image must still exist). */
  rollbackTo?: RollbackTo;
  /** For a promotion: the digest that ran in the source environment (copied after the lock). */
  promotion?: { from: string; digest: string };
}

export async function resolvePlan(deps: Deps, input: ResolveInput): Promise<Plan> {
  const { descriptor, sha } = input;
  const poll = pollContext(deps);
  const read = <T>(what: string, fn: () => Promise<T>) =>
    retryTransient(poll, what, fn).catch((err: unknown) => {
      if (deps.signal.aborted || isFerryError(err)) throw err;
      throw usageError(`${what}: ${errorText(err)}`, 'nothing was changed');
    });
  const repo = descriptor.repository.name;

  const digest = input.promotion
    ? await promotionDigest(
        () => read(`image ${repo}:${sha}`, () => deps.ports.registry.findImageByTag(repo, sha)),
        repo,
        sha,
        input.promotion,
      )
    : input.rollbackTo
      ? await rollbackDigest(
          input.rollbackTo.digest,
          () =>
            read(`image ${repo}@${input.rollbackTo!.digest}`, () =>
              deps.ports.registry.hasDigest(repo, input.rollbackTo!.digest),
            ),
          repo,
          sha,
        )
      : await imageDigest(
          () => read(`image ${repo}:${sha}`, () => deps.ports.registry.findImageByTag(repo, sha)),
          repo,
          sha,
          noImageHint(input.config, input.env, sha),
        );

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
    const live = await read(`service ${s.name} in cluster ${descriptor.cluster}`, () =>
      deps.ports.ecs.describeService(descriptor.cluster, s.name),
    );
    if (live.status !== 'ACTIVE')
      throw usageError(
        `service ${s.name} in cluster ${descriptor.cluster} is ${live.status}, not ACTIVE; check the descriptor`,
      );
    services.push(live);
  }
  if (input.kind === 'deploy' && input.config.migrate && descriptor.database) {
    const db = descriptor.database.identifier;
    const status = await read(`database ${db}`, () => deps.ports.database.describeStatus(db));
    if (status === undefined)
      throw usageError(`database ${db} (descriptor database.identifier) does not exist; fix the descriptor`);
  }
  const recorded = input.rollbackTo ? await recordedRevisions(deps, descriptor, input.rollbackTo) : undefined;

  const planInput: PlanInput = {
    kind: input.kind,
    env: input.env,
    sha,
    digest,
    config: input.config,
    descriptor,
    latest,
    ...(recorded ? { recorded } : {}),
    services,
    now: deps.clock.now(),
  };
  let plan = planRelease(planInput);
  // A re-run whose release is already live rolls back, if it must, to the release before it in the ledger.
  if (plan.services.some((s) => !s.previousTaskDefinitionArn)) {
    planInput.previousFallback = await previousFromLedger(deps, input, plan);
    plan = planRelease(planInput);
  }
  const previous = new Map<string, TaskDefinitionSnapshot>();
  for (const s of plan.services) {
    const arn = s.previousTaskDefinitionArn;
    const def = arn ? await optional(() => deps.ports.ecs.describeTaskDefinition(arn)) : undefined;
    if (def) previous.set(s.name, def);
  }
  planInput.previous = previous;
  return planRelease(planInput);
}

/** The revision each service ran in the recorded release (old records name the first service's only). */
async function recordedRevisions(
  deps: Deps,
  descriptor: Descriptor,
  to: RollbackTo,
): Promise<Map<string, TaskDefinitionSnapshot>> {
  const found = new Map<string, TaskDefinitionSnapshot>();
  for (const [i, s] of descriptor.services.entries()) {
    const arn = to.services?.[s.name] ?? (i === 0 ? to.taskDefinitionArn : null);
    const def = arn ? await optional(() => deps.ports.ecs.describeTaskDefinition(arn)) : undefined;
    if (def) found.set(s.name, def);
  }
  return found;
}

async function imageDigest(
  find: () => Promise<{ digest: string } | undefined>,
  repo: string,
  sha: string,
  hint: string,
): Promise<string> {
  const image = await find();
  if (!image) throw usageError(`--sha ${sha}: no image tagged ${sha} in repository ${repo}`, hint);
  return image.digest;
}

/** The source's digest; the target's tag may already exist (a re-run), but only for that same image. */
async function promotionDigest(
  find: () => Promise<{ digest: string } | undefined>,
  repo: string,
  sha: string,
  promotion: { from: string; digest: string },
): Promise<string> {
  const existing = await find();
  if (existing && existing.digest !== promotion.digest) {
    throw usageError(
      `repository ${repo} already tags ${sha} as ${existing.digest}, not the image that ran in ${promotion.from} (${promotion.digest}); tags are immutable, so this release cannot be promoted: investigate who pushed it`,
    );
  }
  return promotion.digest;
}

async function rollbackDigest(
  digest: string,
  exists: () => Promise<boolean>,
  repo: string,
  sha: string,
): Promise<string> {
  if (!(await exists())) {
    throw usageError(
      `the image of release ${sha} (${repo}@${digest}) no longer exists in ECR; pick another release with --to`,
    );
  }
  return digest;
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

/** Per service: the revision of the newest deployed release in the ledger that is not the target. */
async function previousFromLedger(deps: Deps, input: ResolveInput, plan: Plan): Promise<Map<string, string>> {
  const entries = await readLedger(deps.ports.parameters, input.descriptor.app, input.env).catch(() => []);
  const found = new Map<string, string>();
  for (const [i, s] of plan.services.entries()) {
    const target = s.revision.kind === 'reuse' ? s.revision.arn : undefined;
    const arn = entries
      .filter((e) => e.outcome === 'deployed')
      .map(
        (e) =>
          e.services?.find((x) => x.name === s.name)?.taskDefinitionArn ??
          (i === 0 ? e.taskDefinitionArn : null),
      )
      .find((a) => a && a !== target);
    if (arn) found.set(s.name, arn);
  }
  return found;
}
