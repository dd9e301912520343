/**
 * Verification after the rollout COMPLETED: the new tasks' targets are healthy in
 * the target group, then `successes` consecutive probes of the health URL answer
 * the expected status and version (Argo-style analysis).
 */
import { type Deps, debug, pollContext } from './context.ts';
import { pollUntil, retryTransient } from './poll.ts';
import { judgeProbe } from './verdicts.ts';

export interface HealthSettings {
  path: string;
  expectStatus: number;
  versionField: string;
  successes: number;
  intervalMs: number;
  timeoutMs: number;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Two hard failures in a row fail verification: one failed probe is not enough
 * to roll back a release, but the confirming probe follows after half the shorter
 * of the two intervals, so a broken release is caught well within one health
 * interval plus one poll interval. An answer from another version is not a
 * failure (old tasks may still drain): it only resets the count.
 */
export const FAILURES_TO_FAIL = 2;

export const confirmDelay = (healthIntervalMs: number, pollIntervalMs: number) =>
  Math.max(1, Math.round(Math.min(healthIntervalMs, pollIntervalMs) / 2));

export async function probeVersion(
  deps: Deps,
  url: string,
  version: string | undefined,
  health: HealthSettings,
): Promise<VerifyResult> {
  const deadline = deps.clock.now().getTime() + health.timeoutMs;
  const perProbeMs = Math.min(health.intervalMs * 2, 10_000, Math.max(health.timeoutMs, 1));
  let consecutive = 0;
  let failures = 0;
  let lastProblem = 'no answer yet';
  for (;;) {
    const answer = await deps.ports.http.get(url, perProbeMs);
    const verdict = judgeProbe(answer, {
      status: health.expectStatus,
      versionField: health.versionField,
      ...(version ? { version } : {}),
    });
    consecutive = verdict.state === 'success' ? consecutive + 1 : 0;
    failures = verdict.state === 'failure' ? failures + 1 : 0;
    deps.emit({
      type: 'health',
      url,
      ok: verdict.state === 'success',
      ...('status' in answer ? { status: answer.status } : {}),
      ...(verdict.state !== 'failure' && verdict.version ? { version: verdict.version } : {}),
      consecutive,
      ...(verdict.state === 'failure' ? { error: verdict.reason } : {}),
      ...(verdict.state === 'other_version'
        ? { error: `answered version ${verdict.version}, expected ${version}` }
        : {}),
    });
    if (consecutive >= health.successes) return { ok: true };
    if (verdict.state === 'failure') lastProblem = verdict.reason;
    if (verdict.state === 'other_version') lastProblem = `still answering version ${verdict.version}`;
    if (failures >= FAILURES_TO_FAIL) return { ok: false, reason: `${url}: ${lastProblem}` };
    const wait = failures > 0 ? confirmDelay(health.intervalMs, deps.pollIntervalMs) : health.intervalMs;
    if (deps.clock.now().getTime() + wait > deadline) {
      return {
        ok: false,
        reason: `${url}: ${consecutive}/${health.successes} consecutive successes within ${Math.round(health.timeoutMs / 1000)}s (${lastProblem})`,
      };
    }
    await deps.clock.sleep(wait, deps.signal);
  }
}

/** Waits until the targets of the service's tasks running `taskDefinitionArn` are healthy. */
export async function targetsHealthy(
  deps: Deps,
  input: {
    cluster: string;
    service: string;
    targetGroupArn?: string;
    taskDefinitionArn: string;
    timeoutMs: number;
  },
): Promise<VerifyResult> {
  const tg = input.targetGroupArn;
  if (!tg) return { ok: true };
  const poll = pollContext(deps);
  const tasks = await retryTransient(poll, 'running tasks', () =>
    deps.ports.ecs.listRunningTasks(input.cluster, input.service),
  );
  const ips = new Set(
    tasks
      .filter((t) => t.taskDefinitionArn === input.taskDefinitionArn && t.privateIp)
      .map((t) => t.privateIp!),
  );
  if (ips.size === 0) {
    debug(deps, `${input.service}: no task addresses to match against ${tg}; relying on the health probes`);
    return { ok: true };
  }
  let problem = 'not registered yet';
  const verdict = await pollUntil(poll, input.timeoutMs, async () => {
    const targets = await retryTransient(poll, 'target health', () =>
      deps.ports.loadBalancer.targetHealth(tg),
    );
    const ours = targets.filter((t) => ips.has(t.id));
    const unhealthy = ours.find((t) => t.state === 'unhealthy');
    if (unhealthy)
      return {
        ok: false as const,
        reason: `target ${unhealthy.id} is unhealthy: ${unhealthy.description ?? unhealthy.reason ?? 'no reason given'}`,
      };
    if (ours.length === ips.size && ours.every((t) => t.state === 'healthy')) return { ok: true as const };
    problem = ours.map((t) => `${t.id} ${t.state}`).join(', ') || 'not registered yet';
    return undefined;
  });
  return verdict ?? { ok: false, reason: `targets of ${input.service} not healthy in time (${problem})` };
}
