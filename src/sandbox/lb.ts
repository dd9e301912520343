import type { ServerResponse } from 'node:http';
import type { ForwardedRequest } from './real/index.ts';
import type { World } from './world.ts';

/**
 * The ALB in front of a service: round-robin over its serving targets (healthy, not draining).
 * A task whose version currently fails health checks answers 503, as the app itself would.
 */
export function answerLoadBalancer(
  world: World,
  serviceName: string,
  res: ServerResponse,
  forward?: ForwardedRequest,
): void {
  const service = world.ecs.store.serviceByName(serviceName);
  const reply = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (!service) {
    reply(404, { error: `no load balancer for service ${serviceName}` });
    return;
  }
  const serving = world.ecs.store
    .tasksOf(service)
    .filter(
      (t) => t.desiredStatus === 'RUNNING' && t.lastStatus === 'RUNNING' && t.target?.state === 'healthy',
    );
  if (serving.length === 0) {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end('no healthy targets');
    return;
  }
  const task = serving[service.lbCursor++ % serving.length]!;
  // Real mode: the listener forwards to the real app.
  if (task.real && world.real && forward) {
    world.real.proxy(task, forward, res);
    return;
  }
  const healthyFor =
    task.target?.healthySince === undefined ? undefined : world.now() - task.target.healthySince;
  if (world.faults.failsHealthCheck(task.appVersion, healthyFor)) {
    reply(503, { version: task.appVersion, status: 'unhealthy' });
    return;
  }
  reply(200, { version: task.appVersion });
}
