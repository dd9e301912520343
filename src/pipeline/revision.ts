import type { Deps } from './context.ts';
import type { Plan, RevisionTarget } from './plan.ts';
import type { TaskDefinitionSnapshot } from './ports.ts';
import { TAG_DIGEST, TAG_SHA, VERSION_VARIABLE } from './resource-names.ts';

/**
 * The revision that runs the release: reused when it exists already (a re-run,
 * or a rollback to a recorded revision), else registered from the family's latest
 * ACTIVE revision with only the image and APP_VERSION changed.
 */
export async function ensureRevision(
  deps: Deps,
  plan: Pick<Plan, 'sha' | 'digest'>,
  target: RevisionTarget,
): Promise<TaskDefinitionSnapshot> {
  if (target.kind === 'reuse') return deps.ports.ecs.describeTaskDefinition(target.arn);
  return deps.ports.ecs.registerRevision({
    baseArn: target.baseArn,
    container: target.container,
    image: target.image,
    environment: { [VERSION_VARIABLE]: plan.sha },
    tags: { [TAG_SHA]: plan.sha, [TAG_DIGEST]: plan.digest },
  });
}

/**
 * One revision per service, by service name. Services that share a family and
 * container share one registration, so a re-run finds one revision to reuse.
 */
export async function ensureRevisions(deps: Deps, plan: Plan): Promise<Map<string, TaskDefinitionSnapshot>> {
  const byTarget = new Map<string, Promise<TaskDefinitionSnapshot>>();
  const revisions = new Map<string, TaskDefinitionSnapshot>();
  for (const s of plan.services) {
    const key = JSON.stringify(s.revision);
    let pending = byTarget.get(key);
    if (!pending) {
      pending = ensureRevision(deps, plan, s.revision);
      byTarget.set(key, pending);
    }
    revisions.set(s.name, await pending);
  }
  return revisions;
}
