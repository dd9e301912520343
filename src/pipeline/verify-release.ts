import type { FerryConfig } from '../config/schema.ts';
import type { Deps } from './context.ts';
import type { Plan } from './plan.ts';
import { type HealthSettings, probeVersion, targetsHealthy, type VerifyResult } from './verify.ts';

export function healthSettings(health: FerryConfig['health']): HealthSettings {
  return {
    path: health.path,
    expectStatus: health.expectStatus,
    versionField: health.versionField,
    successes: health.successes,
    intervalMs: health.interval,
    timeoutMs: health.timeout,
  };
}

export function healthUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

/**
 * Every service: its new tasks' targets healthy, then N consecutive probes answering
 * this SHA. A service without a baseUrl (a worker) was judged by its ECS deployment.
 */
export async function verifyRelease(
  deps: Deps,
  plan: Plan,
  revisions: Map<string, string>,
  health: FerryConfig['health'],
): Promise<VerifyResult> {
  const settings = healthSettings(health);
  const results = await Promise.all(
    plan.services.map(async (s): Promise<VerifyResult> => {
      if (!s.baseUrl) return { ok: true };
      const taskDefinitionArn = revisions.get(s.name)!;
      const targets = await targetsHealthy(deps, {
        cluster: plan.cluster,
        service: s.name,
        ...(s.targetGroupArn ? { targetGroupArn: s.targetGroupArn } : {}),
        taskDefinitionArn,
        timeoutMs: settings.timeoutMs,
      });
      if (!targets.ok) return targets;
      return probeVersion(deps, healthUrl(s.baseUrl, settings.path), plan.sha, settings);
    }),
  );
  return results.find((r) => !r.ok) ?? { ok: true };
}
