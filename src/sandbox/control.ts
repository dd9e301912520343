import type { ServerResponse } from 'node:http';
import { renderService } from './ecs/render.ts';
import { validateFaults } from './faults.ts';
import type { PolicyDocument } from './iam/store.ts';
import { seedApp } from './seed.ts';
import { pushSyntheticImage } from './synthetic-image.ts';
import type { World } from './world.ts';

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let imageCounter = 0;

/** A JSON dump of the simulated world for tests and demos. */
export function stateDump(world: World) {
  const store = world.ecs.store;
  return {
    now: new Date(world.now()).toISOString(),
    timeScale: world.clock.scale,
    endpoint: world.endpoint,
    registryHost: world.registryHost,
    faults: world.faults.current,
    repositories: [...world.ecr.repositories.values()].map((r) => r.repositoryName),
    clusters: [...store.clusters.keys()],
    services: [...store.services.values()].map((s) => ({
      ...renderService(store, s),
      events: s.events.slice(0, 20).map((e) => e.message),
    })),
    tasks: [...store.tasks.values()].map((t) => ({
      taskArn: t.taskArn,
      serviceName: t.serviceName,
      deploymentId: t.deploymentId,
      appVersion: t.appVersion,
      lastStatus: t.lastStatus,
      desiredStatus: t.desiredStatus,
      privateIp: t.privateIp,
      target: t.target?.state,
      stopCode: t.stopCode,
      stoppedReason: t.stoppedReason,
    })),
    snapshots: [...world.rds.snapshots.keys()],
    parameters: [...world.ssm.parameters.keys()],
  };
}

/** The control API under /_sandbox/: seed, images, faults, request log, time, state. */
export async function handleControl(
  world: World,
  method: string,
  path: string,
  body: string,
  res: ServerResponse,
) {
  let input: unknown;
  try {
    input = body ? JSON.parse(body) : {};
  } catch {
    return reply(res, 400, { error: 'body must be JSON' });
  }
  const key = `${method} ${path.replace(/\/+$/, '')}`;
  try {
    switch (key) {
      case 'POST /_sandbox/seed':
        return reply(res, 200, await seedApp(world, input));
      case 'POST /_sandbox/images': {
        const { repository, tag } = input as { repository?: string; tag?: string };
        if (!repository || !world.ecr.repositories.has(repository))
          return reply(res, 404, { error: `no repository ${repository}` });
        if (!tag) return reply(res, 400, { error: 'tag is required' });
        const pushed = await pushSyntheticImage(
          world.registry,
          repository,
          tag,
          `${repository} ${tag} ${++imageCounter} ${world.now()}`,
        );
        world.ecr.notePushed(repository, pushed.digest, true);
        return reply(res, 200, { digest: pushed.digest });
      }
      case 'GET /_sandbox/faults':
        return reply(res, 200, world.faults.current);
      case 'POST /_sandbox/faults':
        return reply(res, 200, world.faults.merge(validateFaults(input)));
      case 'DELETE /_sandbox/faults':
        world.faults.clear();
        return reply(res, 200, {});
      case 'GET /_sandbox/requests':
        return reply(res, 200, world.log.list());
      case 'DELETE /_sandbox/requests':
        world.log.clear();
        return reply(res, 200, {});
      case 'POST /_sandbox/time': {
        const scale = (input as { scale?: unknown }).scale;
        if (typeof scale !== 'number' || !(scale > 0))
          return reply(res, 400, { error: 'scale must be a positive number' });
        world.clock.setScale(scale);
        return reply(res, 200, { scale });
      }
      case 'GET /_sandbox/iam/roles':
        return reply(res, 200, [...world.iam.roles.values()]);
      case 'POST /_sandbox/iam/role-policy': {
        // Replaces (or adds) one inline policy of a seeded role: for tests of a role that lacks a grant.
        const { roleArn, policyName, document } = input as {
          roleArn?: string;
          policyName?: string;
          document?: { Statement?: unknown };
        };
        const role = roleArn ? world.iam.role(roleArn) : undefined;
        if (!role) return reply(res, 404, { error: `no role ${roleArn}` });
        if (!policyName || !document || !Array.isArray(document.Statement))
          return reply(res, 400, { error: 'policyName and a document with a Statement array are required' });
        role.inlinePolicies = [
          ...role.inlinePolicies.filter((p) => p.name !== policyName),
          { name: policyName, document: document as PolicyDocument },
        ];
        return reply(res, 200, role);
      }
      case 'GET /_sandbox/state':
        return reply(res, 200, stateDump(world));
      default:
        return reply(res, 404, { error: `unknown control route ${key}` });
    }
  } catch (err) {
    return reply(res, 400, { error: (err as Error).message });
  }
}
