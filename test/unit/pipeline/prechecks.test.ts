/** Checks made before a release: short SHAs, promotions that would go backwards, firing alarms. */
import { describe, expect, it } from 'vitest';
import { firingAlarmMessage, firingDeploymentAlarms } from '../../../src/pipeline/alarms.ts';
import { type LedgerEntry, type ReleaseRecord, recordRelease } from '../../../src/pipeline/ledger.ts';
import { isOlderThan } from '../../../src/pipeline/promotion-order.ts';
import { runRelease } from '../../../src/pipeline/release.ts';
import { expandShaPrefix, noImageHint } from '../../../src/pipeline/sha-prefix.ts';
import {
  mutatingCalls,
  NEW_SHA,
  OLD_SHA,
  releaseFixture,
  SERVICE,
  testConfig,
} from '../../support/fakes-release.ts';

const record = (sha: string, outcome: ReleaseRecord['outcome'] = 'deployed'): ReleaseRecord => ({
  kind: 'deploy',
  sha,
  digest: 'sha256:x',
  taskDefinitionArn: null,
  previousTaskDefinitionArn: null,
  snapshotId: null,
  outcome,
  actor: 'alice',
  startedAt: '2026-03-01T00:00:00.000Z',
  finishedAt: '2026-03-01T00:05:00.000Z',
  steps: [],
});
const entry = (
  sha: string,
  version: number,
  outcome: ReleaseRecord['outcome'] = 'deployed',
): LedgerEntry => ({
  ...record(sha, outcome),
  version,
});

describe('expandShaPrefix', () => {
  it('keeps a full SHA without a call', async () => {
    const f = releaseFixture();
    expect(await expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', NEW_SHA)).toBe(
      NEW_SHA,
    );
    expect(f.log).toEqual([]);
  });

  it('expands a unique prefix from the tags, or from the ledger', async () => {
    const f = releaseFixture();
    expect(await expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'bbbbbbb')).toBe(
      NEW_SHA,
    );
    const gone = `c${'0'.repeat(39)}`;
    await recordRelease(f.parameters, 'shop', 'staging', record(gone));
    expect(await expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'c000')).toBe(
      gone,
    );
  });

  it('refuses an ambiguous prefix naming at most five candidates', async () => {
    const f = releaseFixture();
    for (let i = 0; i < 7; i++) f.registry.push('shop-staging', `dd${i}${'0'.repeat(37)}`);
    await expect(
      expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'dd'),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: `--sha dd is ambiguous: it starts 7 SHAs in shop-staging and the staging ledger: ${[0, 1, 2, 3, 4].map((i) => `dd${i}${'0'.repeat(37)}`).join(', ')} and 2 more; give more characters, or the full SHA`,
    });
  });

  it('takes an image tagged with the short SHA itself, and refuses an unknown one with a hint', async () => {
    const f = releaseFixture();
    f.registry.push('shop-staging', 'abc1234');
    expect(await expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'abc1234')).toBe(
      'abc1234',
    );
    await expect(
      expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'eeeeeee'),
    ).rejects.toMatchObject({
      exitCode: 2,
      message:
        '--sha eeeeeee: no image in shop-staging has a tag starting with eeeeeee, and no release of it is in the staging ledger',
    });
  });

  it('says when the repository cannot be listed', async () => {
    const f = releaseFixture();
    f.registry.tagsStartingWith = async () => {
      throw Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    };
    await expect(
      expandShaPrefix(f.ports, f.request.descriptor, f.request.config, 'staging', 'bbbbbbb'),
    ).rejects.toMatchObject({
      exitCode: 2,
      message: '--sha bbbbbbb: could not list the tags of shop-staging: AccessDeniedException: denied',
    });
  });

  it('hints at a promotion for an environment that receives images from another', () => {
    const config = testConfig({ environments: { staging: {}, production: { promoteFrom: 'staging' } } });
    expect(noImageHint(config, 'production', 'abc')).toBe(
      'production receives images from staging: deploy the SHA to staging, then run: ferry promote --from staging --to production --sha abc',
    );
    expect(noImageHint(config, 'staging', 'abc')).toBe(
      'build and push it from a clean checkout of that commit: git checkout abc && ferry build --env staging',
    );
  });
});

describe('promotion order', () => {
  const ledger = [entry('3', 5), entry('x', 4, 'rolled_back'), entry('2', 3), entry('1', 2)];

  it('calls a SHA older when it passed the source before the one the target runs', () => {
    expect(isOlderThan(ledger, '1', '2')).toBe(true);
    expect(isOlderThan(ledger, '3', '2')).toBe(false);
    expect(isOlderThan(ledger, '2', '2')).toBe(false);
    expect(isOlderThan(ledger, '1', undefined)).toBe(false);
    // Unknown to the source's ledger, or never passed there: no order to keep.
    expect(isOlderThan(ledger, '1', 'x')).toBe(false);
    expect(isOlderThan(ledger, 'x', '3')).toBe(false);
  });

  it('refuses an older promotion before the lock, naming how to go back on purpose', async () => {
    const source = releaseFixture();
    const digestOf = async (sha: string) =>
      (await source.ports.registry.findImageByTag('shop-staging', sha))!.digest;
    await recordRelease(source.parameters, 'shop', 'qa', {
      ...record(OLD_SHA),
      digest: await digestOf(OLD_SHA),
    });
    await recordRelease(source.parameters, 'shop', 'qa', {
      ...record(NEW_SHA),
      digest: await digestOf(NEW_SHA),
    });
    const target = releaseFixture();
    expect((await runRelease(target.deps, target.request)).exitCode).toBe(0);
    const deps = {
      ...target.deps,
      source: { env: 'qa', ports: source.ports, descriptor: source.request.descriptor },
    };
    const { sha: _, ...settings } = target.request;
    const before = mutatingCalls(target.log).length;
    const result = await runRelease(deps, {
      ...settings,
      kind: 'promote',
      from: 'qa',
      sha: OLD_SHA,
      runId: 'run-2',
    });
    expect(result).toMatchObject({
      exitCode: 2,
      reason:
        'aaaaaaa passed qa before bbbbbbb, which staging runs: promoting it would move staging backwards; nothing was changed',
      next: [
        'to go back on purpose: ferry rollback staging --to aaaaaaa',
        'or, if this is really what you want: ferry promote ... --allow-older',
      ],
    });
    expect(mutatingCalls(target.log).length).toBe(before);
  });
});

describe('deployment alarms', () => {
  function withAlarms(states: { name: string; state: string; reason?: string }[], enable = true) {
    const f = releaseFixture();
    const describeService = f.ecs.describeService.bind(f.ecs);
    f.ecs.describeService = async (cluster, name) => ({
      ...(await describeService(cluster, name)),
      deploymentConfiguration: { alarms: { names: states.map((s) => s.name), enable, rollback: true } },
    });
    f.ports.alarms = { describeAlarms: async () => states };
    return f;
  }

  it('finds the deployment alarms already in ALARM', async () => {
    const f = withAlarms([
      { name: 'shop-5xx', state: 'ALARM', reason: 'Threshold Crossed' },
      { name: 'shop-latency', state: 'OK' },
    ]);
    const firing = await firingDeploymentAlarms(f.ports, 'shop-staging', [SERVICE]);
    expect(firing).toEqual([
      { service: SERVICE, alarm: { name: 'shop-5xx', state: 'ALARM', reason: 'Threshold Crossed' } },
    ]);
    expect(firingAlarmMessage(firing[0]!)).toMatch(
      /^deployment alarm shop-5xx of shop-staging-web is already in ALARM \(Threshold Crossed\): ECS ignores/,
    );
    expect(
      await firingDeploymentAlarms(withAlarms([{ name: 'a', state: 'ALARM' }], false).ports, 'c', [SERVICE]),
    ).toEqual([]);
    const noReader = releaseFixture();
    expect(await firingDeploymentAlarms(noReader.ports, 'c', [SERVICE])).toEqual([]);
    expect(noReader.log).toEqual([]);
  });

  it('warns before UpdateService and deploys anyway', async () => {
    const f = withAlarms([{ name: 'shop-5xx', state: 'ALARM' }]);
    const result = await runRelease(f.deps, f.request);
    expect(result.exitCode).toBe(0);
    const warning = f.events.findIndex(
      (e) => e.type === 'log' && e.level === 'warn' && e.message.startsWith('deployment alarm shop-5xx'),
    );
    expect(warning).toBeGreaterThan(-1);
    f.ports.alarms = {
      describeAlarms: async () => {
        throw new Error('boom');
      },
    };
    const again = await runRelease(f.deps, { ...f.request, sha: OLD_SHA, runId: 'run-2' });
    expect(again.exitCode).toBe(0);
    expect(f.events).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'could not read the deployment alarms (Error: boom); rolling out anyway',
      }),
    );
  });
});
