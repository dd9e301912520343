/** Pure facts about revisions and services: which version a revision runs, and what runs now. */
import type { Descriptor } from '../config/schema.ts';
import type { ServiceSnapshot, TaskDefinitionSnapshot } from './ports.ts';
import { TAG_DIGEST, TAG_SHA, VERSION_VARIABLE } from './resource-names.ts';

export function pinnedImage(repositoryUri: string, digest: string): string {
  return `${repositoryUri}@${digest}`;
}

export function primaryOf(service: ServiceSnapshot) {
  return service.deployments.find((d) => d.status === 'PRIMARY');
}

/** The revision a service runs now: its PRIMARY deployment's, else the service's own. */
export function currentRevisionOf(service: ServiceSnapshot): string {
  return primaryOf(service)?.taskDefinitionArn ?? service.taskDefinitionArn;
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
