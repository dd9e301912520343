import { describe, expect, it } from 'vitest';
import { runRelease } from '../../../src/pipeline/release.ts';
import { NEW_SHA, promotionFixture, SOURCE_DIGEST } from '../../support/fakes-release.ts';

describe('runRelease (promotion)', () => {
  it('copies the source digest after taking the lock and before registering, then deploys exactly that digest', async () => {
    const { f, request, copies } = await promotionFixture(async (digest, tag) => {
      f.registry.tags.set(`shop-staging:${tag}`, digest);
      return { detail: 'copied 2 blob(s)' };
    });
    const result = await runRelease(f.deps, request);

    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0, digest: SOURCE_DIGEST });
    expect(copies).toEqual([`${SOURCE_DIGEST} as ${NEW_SHA}`]);
    const at = (call: string) => f.log.indexOf(call);
    expect(at('SSM.PutParameter')).toBeLessThan(at('ECR.PutImage'));
    expect(at('ECR.PutImage')).toBeLessThan(at('ECS.RegisterTaskDefinition'));
    expect(at('RDS.CreateDBSnapshot')).toBeLessThan(at('ECS.RegisterTaskDefinition'));
    const registered = [...f.ecs.defs.values()].at(-1)!;
    expect(registered.containers[0]!.image).toMatch(new RegExp(`@${SOURCE_DIGEST}$`));
  });

  it('fails before the migration when the copy fails (exit 1), names the snapshot taken meanwhile, releases the lock', async () => {
    const { f, request } = await promotionFixture(async () => {
      throw new Error('LayersNotFoundException: blob missing');
    });
    const result = await runRelease(f.deps, request);

    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.reason).toContain('LayersNotFoundException');
    expect(f.ecs.updates).toEqual([]);
    expect(f.log).not.toContain('ECS.RunTask');
    expect(f.log).not.toContain('ECS.RegisterTaskDefinition');
    expect(result.snapshotId).toMatch(/^ferry-staging-bbbbbbb-/);
    expect(result.next?.join('\n')).toContain(result.snapshotId!);
    expect(f.parameters.values.has('/ferry/shop/staging/lock')).toBe(false);
  });

  it('runs the copy and the snapshot at the same time, each with its own timing in the ledger', async () => {
    const { f, request } = await promotionFixture(async (digest, tag) => {
      await f.deps.clock.sleep(40_000);
      f.registry.tags.set(`shop-staging:${tag}`, digest);
      return { detail: 'copied' };
    });
    const result = await runRelease(f.deps, request);

    expect(result).toMatchObject({ outcome: 'deployed', exitCode: 0 });
    const steps = f.events.filter((e) => e.type === 'step') as { step: string; status: string }[];
    const at = (step: string, status: string) =>
      steps.findIndex((e) => e.step === step && e.status === status);
    // Both started before either finished.
    expect(at('copy-image', 'start')).toBeLessThan(at('snapshot', 'done'));
    expect(at('snapshot', 'start')).toBeLessThan(at('copy-image', 'done'));
    const record = f.parameters.json('/ferry/shop/staging/releases') as {
      steps: { name: string; ms: number }[];
      promotion: unknown;
    };
    const ms = (name: string) => record.steps.find((s) => s.name === name)?.ms;
    expect(ms('copy-image')).toBeGreaterThanOrEqual(40_000);
    expect(ms('snapshot')).toBeGreaterThan(0);
    expect(record.promotion).toEqual({ from: 'qa', sourceCheck: 'skipped' });
  });

  it('refuses to deploy when the copied tag does not carry the source digest', async () => {
    const { f, request } = await promotionFixture(async (_digest, tag) => {
      f.registry.tags.set(`shop-staging:${tag}`, `sha256:${'d'.repeat(64)}`);
      return { detail: 'copied' };
    });
    const result = await runRelease(f.deps, request);

    expect(result).toMatchObject({ outcome: 'failed', exitCode: 1 });
    expect(result.reason).toContain(`not ${SOURCE_DIGEST}`);
    expect(f.ecs.updates).toEqual([]);
  });

  it('stops at resolve (exit 2, nothing changed) when the target already tags the SHA as another image', async () => {
    const { f, request, copies } = await promotionFixture(async () => ({ detail: 'unused' }));
    f.registry.tags.set(`shop-staging:${NEW_SHA}`, `sha256:${'e'.repeat(64)}`);
    const result = await runRelease(f.deps, request);

    expect(result).toMatchObject({ outcome: 'aborted', exitCode: 2 });
    expect(result.reason).toContain('tags are immutable');
    expect(copies).toEqual([]);
    expect(f.log.filter((c) => /Put|Create|Update|Register|Run/.test(c))).toEqual([]);
  });
});
