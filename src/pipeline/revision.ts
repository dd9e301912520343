import type { Deps } from './context.ts';
import { TAG_DIGEST, TAG_SHA, VERSION_VARIABLE } from './names.ts';
import type { Plan } from './plan.ts';
import type { TaskDefinitionSnapshot } from './ports.ts';

/**
 * The revision that runs the release: reused when it exists already (a re-run,
 * or a rollback to a recorded revision), else registered from the family's latest
 * ACTIVE revision with only the image and APP_VERSION changed.
 */
export async function ensureRevision(deps: Deps, plan: Plan): Promise<TaskDefinitionSnapshot> {
  const target = plan.revision;
  if (target.kind === 'reuse') return deps.ports.ecs.describeTaskDefinition(target.arn);
  return deps.ports.ecs.registerRevision({
    baseArn: target.baseArn,
    container: target.container,
    image: target.image,
    environment: { [VERSION_VARIABLE]: plan.sha },
    tags: { [TAG_SHA]: plan.sha, [TAG_DIGEST]: plan.digest },
  });
}
