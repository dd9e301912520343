import type { ServerResponse } from 'node:http';
import { renderService } from './ecs/render.ts';
import { validateFaults } from './faults.ts';
import type { PolicyDocument } from './iam/store.ts';
import { seedApp } from './seed.ts';
import { ALARM_STATES } from './services/cloudwatch.ts';
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

/** Sets a CloudWatch alarm's state (`{name, state, reason?}`); the alarm must exist (the seed makes them). */
function setAlarmState(world: World, input: unknown) {
  const { name, state, reason } = (input ?? {}) as { name?: unknown; state?: unknown; reason?: unknown };
  const alarm = world.alarms.alarms.get(String(name));
  if (!alarm) throw new Error(`no alarm ${String(name)}`);
  if (!ALARM_STATES.includes(state as (typeof ALARM_STATES)[number]))
    throw new Error(`state must be one of ${ALARM_STATES.join(', ')}`);
  return world.alarms.upsert(
    {
      ...alarm,
      state: state as (typeof ALARM_STATES)[number],
      reason: typeof reason === 'string' ? reason : `set to ${String(state)} by the sandbox control API`,
    },
    world.now(),
  );
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
      case 'POST /_sandbox/secrets/rotate': {
        const { secretId } = input as { secretId?: string };
        const secret = world.secrets.rotate(String(secretId ?? ''), world.now());
        return reply(res, 200, { arn: secret.arn, versionId: secret.versionId });
      }
      case 'POST /_sandbox/db/login': {
        const { database, username, password } = input as Record<string, string | undefined>;
        const answer = world.secrets.login(String(database), String(username), String(password));
        return reply(res, answer.ok ? 200 : 401, answer);
      }
      case 'POST /_sandbox/alarms':
        return reply(res, 200, setAlarmState(world, input));
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
