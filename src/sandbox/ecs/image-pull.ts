import type { EngineContext } from './engine-context.ts';
import type { Task } from './model.ts';

/**
 * Resolves each container's image in the sandbox's registry (and, in real mode, prepares the
 * container) in the background; `task.pull` ends `'ok'` or holds the error the task stops with.
 * Images from other registries are taken as pullable.
 */
export function pullImages(ctx: EngineContext, task: Task): void {
  const host = ctx.deps.registryHost;
  const checks = task.containers.map(async (c) => {
    if (!c.image.startsWith(`${host}/`)) return;
    const rest = c.image.slice(host.length + 1);
    const at = rest.indexOf('@');
    const colon = rest.lastIndexOf(':');
    const [repo, ref] =
      at >= 0
        ? [rest.slice(0, at), rest.slice(at + 1)]
        : colon >= 0
          ? [rest.slice(0, colon), rest.slice(colon + 1)]
          : [rest, 'latest'];
    const manifest = await ctx.deps.registry.getManifest(repo, ref).catch(() => undefined);
    if (!manifest) {
      throw new Error(
        `CannotPullContainerError: pull image manifest has been retried 1 time(s): failed to resolve ref ${c.image}: ${c.image}: not found`,
      );
    }
    c.imageDigest = manifest.digest;
  });
  const td = ctx.store.taskDefinition(task.taskDefinitionArn);
  const runtime = ctx.deps.runtime;
  Promise.all(checks)
    .then(() => (runtime && td && task.desiredStatus === 'RUNNING' ? runtime.prepare(task, td) : undefined))
    .then(
      () => {
        task.pull = 'ok';
      },
      (err: Error) => {
        task.pull = { error: err.message };
      },
    );
}
