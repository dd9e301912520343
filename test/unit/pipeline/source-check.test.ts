import { describe, expect, it } from 'vitest';
import { checkSource } from '../../../src/pipeline/source-check.ts';
import { fakeWorld } from '../../support/fakes.ts';
import {
  BASE_URL,
  OLD_SHA,
  REPO_URI,
  SERVICE,
  testConfig,
  testDescriptor,
} from '../../support/fakes-release.ts';

const WORKER = 'shop-staging-worker';

/** The promotion's source: shop-staging running OLD_SHA, as ferry deployed it, with an optional worker. */
function source(options: { worker?: boolean } = {}) {
  const world = fakeWorld({ services: { [SERVICE]: BASE_URL } });
  const digest = world.registry.push('shop-staging', OLD_SHA);
  const tags = { 'ferry:sha': OLD_SHA, 'ferry:digest': digest };
  const web = world.ecs.addRevision('shop-staging-web', OLD_SHA, `${REPO_URI}@${digest}`, tags);
  world.ecs.addService(SERVICE, web.arn);
  if (options.worker) {
    const worker = world.ecs.addRevision(WORKER, OLD_SHA, `${REPO_URI}@${digest}`, tags);
    world.ecs.addService(WORKER, worker.arn);
  }
  const descriptor = testDescriptor(
    options.worker
      ? {
          services: [
            { name: SERVICE, container: 'web', baseUrl: BASE_URL },
            { name: WORKER, container: 'web', taskDefinitionFamily: WORKER },
          ],
        }
      : {},
  );
  return { world, digest, view: { ports: world.ports, descriptor } };
}

const health = testConfig().health;

describe('checkSource (promotion gate)', () => {
  it('passes when every service runs the release, COMPLETED, and the health URL answers it successes times', async () => {
    const src = source({ worker: true });
    const checked = await checkSource(src.world.deps, src.view, { sha: OLD_SHA, digest: src.digest }, health);

    expect(checked.ok).toBe(true);
    // The worker has no baseUrl: its completed deployment is its health; only the web URL is probed.
    expect(src.world.http.probes).toEqual([`${BASE_URL}/health`, `${BASE_URL}/health`, `${BASE_URL}/health`]);
    expect(checked.seen).toContain(`${WORKER} runs ${OLD_SHA.slice(0, 7)}, rollout COMPLETED, 2/2 tasks`);
  });

  it('fails on the first probe that does not answer the version, and stops probing', async () => {
    const src = source();
    src.world.http.unhealthy.set(OLD_SHA, 1);
    const checked = await checkSource(src.world.deps, src.view, { sha: OLD_SHA, digest: src.digest }, health);

    expect(checked).toMatchObject({
      ok: false,
      problem: `${BASE_URL}/health: probe 2 of 3 HTTP 503, expected 200`,
    });
    expect(src.world.http.probes).toHaveLength(2);
  });

  it('fails while a service is mid-rollout, without probing', async () => {
    const src = source({ worker: true });
    src.world.ecs.services.get(WORKER)!.deployments[0]!.rolloutState = 'IN_PROGRESS';
    const checked = await checkSource(src.world.deps, src.view, { sha: OLD_SHA, digest: src.digest }, health);

    expect(checked).toMatchObject({ ok: false });
    expect(!checked.ok && checked.problem).toBe(
      `${WORKER}: the rollout is IN_PROGRESS with 1 deployments, not COMPLETED`,
    );
  });

  it('fails when a service runs another digest of the same SHA', async () => {
    const src = source();
    const other = `sha256:${'f'.repeat(64)}`;
    const checked = await checkSource(src.world.deps, src.view, { sha: OLD_SHA, digest: other }, health);

    expect(!checked.ok && checked.problem).toContain(`not ${OLD_SHA.slice(0, 7)} (${other})`);
    expect(src.world.http.probes).toEqual([]);
  });
});
