/**
 * Promotion's live gate: before the lock, the source must run the release
 * healthily right now. Each way it can fail stops the promotion with exit 2 and
 * says what was seen; --skip-source-check goes on and the ledger says so.
 */
import { describe, expect, it } from 'vitest';
import type { FerryEvent } from '../../../src/pipeline/events.ts';
import type { ServiceSnapshot } from '../../../src/pipeline/ports.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import type { ReleaseRequest } from '../../../src/pipeline/request.ts';
import { serverError } from '../../support/fakes.ts';
import { mutatingCalls, NEW_SHA, releaseFixture } from '../../support/fakes-release.ts';

const LEDGER = '/ferry/shop/production/releases';

/** staging (the source) released NEW_SHA through ferry and runs it healthily; production runs OLD_SHA. */
async function livePromotion(over: Partial<Extract<ReleaseRequest, { kind: 'promote' }>> = {}) {
  const source = releaseFixture();
  expect((await runRelease(source.deps, source.request)).exitCode).toBe(0);
  const f = releaseFixture();
  f.registry.tags.delete(`shop-staging:${NEW_SHA}`);
  f.deps.source = { env: 'staging', ports: source.ports, descriptor: source.request.descriptor };
  f.deps.copier = {
    copy: async (digest, tag) => {
      f.registry.tags.set(`shop-staging:${tag}`, digest);
      return { detail: 'copied' };
    },
  };
  const { sha: _, ...settings } = f.request;
  const request: ReleaseRequest = {
    ...settings,
    env: 'production',
    kind: 'promote',
    from: 'staging',
    sha: NEW_SHA,
    ...over,
  };
  return { source, f, request };
}

const stepsOf = (events: FerryEvent[], step: string) =>
  events.flatMap((e) =>
    e.type === 'step' && e.step === step ? [`${e.status}${e.detail ? ` ${e.detail}` : ''}`] : [],
  );

/** The source's service, as ECS would describe it after `change`. */
function describeSourceAs(
  source: ReturnType<typeof releaseFixture>,
  change: (s: ServiceSnapshot) => ServiceSnapshot,
) {
  const describeService = source.ecs.describeService.bind(source.ecs);
  source.ecs.describeService = async (cluster, name) => change(await describeService(cluster, name));
}

describe('the source check of a promotion', () => {
  it('passes when every service runs the release, COMPLETED, and answers its health checks: the ledger says passed', async () => {
    const { f, request } = await livePromotion();
    const result = await runRelease(f.deps, request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(stepsOf(f.events, 'source-check')).toEqual(['start', 'done staging healthy on bbbbbbb']);
    const seen = f.events.flatMap((e) =>
      e.type === 'log' && e.message.startsWith('staging: ') ? [e.message] : [],
    );
    expect(seen[0]).toMatch(/^staging: shop-staging-web runs bbbbbbb, rollout COMPLETED, \d+\/\d+ tasks$/);
    expect(seen[1]).toMatch(/3\/3 probes answered bbbbbbb$/);
    expect(f.parameters.json(LEDGER)).toMatchObject({
      promotion: { from: 'staging', sourceCheck: 'passed' },
    });
  });

  it.each([
    [
      'the source answers its health checks with errors now',
      (source: ReturnType<typeof releaseFixture>) => source.http.unhealthy.set(NEW_SHA, 0),
      /staging is not healthy on bbbbbbb right now: .*probe 1 of 3 .*; nothing was changed$/,
    ],
    [
      'the source runs another version',
      (source: ReturnType<typeof releaseFixture>) =>
        describeSourceAs(source, (s) => ({
          ...s,
          taskDefinitionArn: source.oldArn,
          deployments: s.deployments.map((d) => ({ ...d, taskDefinitionArn: source.oldArn })),
        })),
      /shop-staging-web runs aaaaaaa \(sha256:[0-9a-f]+\), not bbbbbbb \(sha256:[0-9a-f]+\)/,
    ],
    [
      'the source is mid-rollout',
      (source: ReturnType<typeof releaseFixture>) =>
        describeSourceAs(source, (s) => ({
          ...s,
          deployments: s.deployments.map((d) => ({ ...d, rolloutState: 'IN_PROGRESS' })),
        })),
      /shop-staging-web: the rollout is IN_PROGRESS with 1 deployments, not COMPLETED/,
    ],
    [
      'the source cannot be read',
      (source: ReturnType<typeof releaseFixture>) => {
        // With --sha, the check is the first to read the source's service.
        source.ecs.describeService = async () => {
          throw serverError();
        };
      },
      /shop-staging-web: cannot be read \(/,
    ],
  ])('refuses with exit 2, changing nothing, when %s', async (_, spoil, reason) => {
    const { source, f, request } = await livePromotion();
    spoil(source);
    const before = mutatingCalls(f.log).length;
    const result = await runRelease(f.deps, request);
    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 2, reason: expect.stringMatching(reason) });
    expect(result.next?.[0]).toMatch(/^seen in staging: /);
    expect(result.next?.[1]).toBe(
      'fix staging (ferry status staging) and promote again, or promote anyway with --skip-source-check',
    );
    expect(stepsOf(f.events, 'source-check')[1]).toMatch(/^failed /);
    expect(stepsOf(f.events, 'lock')).toEqual([]);
    expect(mutatingCalls(f.log).length).toBe(before);
  });

  it('with --skip-source-check, promotes without looking and records that it did not', async () => {
    const { source, f, request } = await livePromotion({ skipSourceCheck: true });
    source.http.unhealthy.set(NEW_SHA, 0);
    const result = await runRelease(f.deps, request);
    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    expect(stepsOf(f.events, 'source-check')).toEqual(['skipped --skip-source-check']);
    expect(f.events).toContainEqual({
      type: 'log',
      level: 'warn',
      message: 'staging was not checked live before promoting (--skip-source-check); the ledger records it',
    });
    expect(f.parameters.json(LEDGER)).toMatchObject({
      promotion: { from: 'staging', sourceCheck: 'skipped' },
    });
  });
});
