/**
 * Promotion's gate: the source environment must be healthy on the release right
 * now, not only when the ledger recorded it. Every service of the source runs the
 * SHA and digest, its rollout is COMPLETED, and each health URL answers
 * `successes` times in a row with that version. Read-only; runs before the lock.
 */
import type { Descriptor, FerryConfig } from '../config/schema.ts';
import type { Deps } from './context.ts';
import { errorText } from './poll.ts';
import type { Ports } from './ports.ts';
import { readServiceStatus, type ServiceStatus } from './status.ts';
import { judgeProbe } from './verdicts.ts';
import { healthSettings, healthUrl } from './verify-release.ts';

export type SourceCheck = { ok: true; seen: string[] } | { ok: false; seen: string[]; problem: string };

export async function checkSource(
  deps: Deps,
  source: { ports: Ports; descriptor: Descriptor },
  release: { sha: string; digest: string },
  health: FerryConfig['health'],
): Promise<SourceCheck> {
  const seen: string[] = [];
  for (const s of source.descriptor.services) {
    let status: ServiceStatus;
    try {
      status = await readServiceStatus(source.ports, source.descriptor, s.name, s.container);
    } catch (err) {
      return { ok: false, seen, problem: `${s.name}: cannot be read (${errorText(err)})` };
    }
    const runs = `${s.name} runs ${status.sha?.slice(0, 7) ?? 'an unknown version'}, rollout ${status.rolloutState ?? 'unknown'}, ${status.running}/${status.desired} tasks`;
    seen.push(runs);
    if (status.sha !== release.sha || status.digest !== release.digest) {
      return {
        ok: false,
        seen,
        problem: `${s.name} runs ${status.sha?.slice(0, 7) ?? 'an unknown version'} (${status.digest ?? 'unknown digest'}), not ${release.sha.slice(0, 7)} (${release.digest})`,
      };
    }
    if (!rolloutCompleted(status)) {
      return {
        ok: false,
        seen,
        problem: `${s.name}: the rollout is ${status.rolloutState ?? 'not settled'} with ${status.deployments} deployments, not COMPLETED`,
      };
    }
    if (!s.baseUrl) continue;
    const probed = await probeInARow(
      deps,
      source.ports,
      healthUrl(s.baseUrl, health.path),
      release.sha,
      health,
    );
    seen.push(probed.seen);
    if (!probed.ok) return { ok: false, seen, problem: probed.seen };
  }
  return { ok: true, seen };
}

function rolloutCompleted(status: ServiceStatus): boolean {
  if (status.rolloutState) return status.rolloutState === 'COMPLETED';
  // Without rolloutState (not the ECS controller): one deployment at full strength.
  return status.deployments === 1 && status.running >= status.desired;
}

/** `successes` probes at the health interval; the first that is not this version at the expected status fails. */
async function probeInARow(
  deps: Deps,
  ports: Ports,
  url: string,
  sha: string,
  health: FerryConfig['health'],
): Promise<{ ok: boolean; seen: string }> {
  const settings = healthSettings(health);
  const perProbeMs = Math.min(settings.intervalMs * 2, 10_000);
  for (let n = 1; n <= settings.successes; n++) {
    if (n > 1) await deps.clock.sleep(settings.intervalMs, deps.signal);
    const answer = await ports.http.get(url, perProbeMs);
    const verdict = judgeProbe(answer, {
      status: settings.expectStatus,
      versionField: settings.versionField,
      version: sha,
    });
    const ok = verdict.state === 'success';
    deps.emit({
      type: 'health',
      url,
      ok,
      ...('status' in answer ? { status: answer.status } : {}),
      ...(verdict.state !== 'failure' && verdict.version ? { version: verdict.version } : {}),
      consecutive: ok ? n : 0,
      ...(verdict.state === 'failure' ? { error: verdict.reason } : {}),
      ...(verdict.state === 'other_version' ? { error: `answered version ${verdict.version}` } : {}),
    });
    if (!ok) {
      const what =
        verdict.state === 'failure' ? verdict.reason : `answered version ${verdict.version?.slice(0, 7)}`;
      return { ok: false, seen: `${url}: probe ${n} of ${settings.successes} ${what}` };
    }
  }
  return {
    ok: true,
    seen: `${url}: ${settings.successes}/${settings.successes} probes answered ${sha.slice(0, 7)}`,
  };
}
