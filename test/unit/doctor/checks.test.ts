import { describe, expect, it } from 'vitest';
import type { PermissionSimulator, SimulationOutcome } from '../../../src/aws/iam.ts';
import type { PreflightReader, Quota } from '../../../src/aws/preflight.ts';
import type { RequiredPermission } from '../../../src/aws/release-permissions.ts';
import { type CheckResult, type DoctorRequest, failed, runDoctor } from '../../../src/doctor/checks.ts';
import type { DeploymentSettings } from '../../../src/pipeline/ports.ts';
import {
  MUTATING,
  mutatingCalls,
  REPO_URI,
  releaseFixture,
  SERVICE,
  testDescriptor,
} from '../../support/fakes-release.ts';

const SAFE: DeploymentSettings = {
  minimumHealthyPercent: 100,
  maximumPercent: 200,
  circuitBreaker: { enable: true, rollback: true },
};

const request: DoctorRequest = {
  app: 'shop',
  env: 'staging',
  region: 'eu-west-1',
  roleArn: 'arn:aws:iam::111111111111:role/shop-staging-deploy',
  health: { path: '/health', expectStatus: 200 },
  promoted: false,
  githubSubject: 'repo:acme/shop:ref:refs/heads/main',
  snapshotsKept: 5,
};

function doctor(
  options: {
    settings?: DeploymentSettings;
    quota?: Quota;
    simulate?: (permissions: RequiredPermission[]) => SimulationOutcome;
    lock?: Record<string, string>;
  } = {},
) {
  const f = releaseFixture();
  const describe = f.ecs.describeService.bind(f.ecs);
  f.ecs.describeService = async (cluster, name) => ({
    ...(await describe(cluster, name)),
    deploymentConfiguration: options.settings ?? SAFE,
  });
  if (options.lock) void f.parameters.put('/ferry/shop/staging/lock', JSON.stringify(options.lock));
  const simulated: RequiredPermission[][] = [];
  const permissions: PermissionSimulator = {
    simulate: async (_principal, required) => {
      simulated.push(required);
      return options.simulate?.(required) ?? { kind: 'checked', checked: required.length, denied: [] };
    },
  };
  const reader: PreflightReader = {
    repository: async (name) => ({ name, uri: REPO_URI, immutableTags: true }),
    manualSnapshotQuota: async () => options.quota ?? { used: 3, max: 100 },
  };
  const results: CheckResult[] = [];
  const run = () =>
    runDoctor(
      {
        ports: f.ports,
        reader,
        permissions,
        loadDescriptor: async () => testDescriptor(),
        now: () => f.clock.now(),
        onCheck: (r) => results.push(r),
      },
      request,
    );
  return { f, run, results, simulated };
}

const byCheck = (results: CheckResult[], check: string) => results.find((r) => r.check === check);

describe('ferry doctor’s checks', () => {
  it('pass on a ready environment, reading only', async () => {
    const d = doctor();
    const results = await d.run();
    expect(failed(results)).toEqual([]);
    expect(d.results).toEqual(results);
    expect(mutatingCalls(d.f.log)).toEqual([]);
    expect(d.f.log.filter((c) => MUTATING.test(c))).toEqual([]);
  });

  it('list each permission IAM refuses, with its resource, and fail', async () => {
    const d = doctor({
      simulate: (required) => ({
        kind: 'checked',
        checked: required.length,
        denied: required
          .filter((p) => p.action === 'ecs:UpdateService')
          .map((p) => ({
            action: p.action,
            resource: p.resources[0]!,
            decision: 'implicitDeny',
            purpose: p.purpose,
          })),
      }),
    });
    const permissions = byCheck(await d.run(), 'permissions')!;
    expect(permissions.status).toBe('fail');
    expect(permissions.items).toEqual([
      `ecs:UpdateService on arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/${SERVICE} (implicitDeny; to roll the service)`,
    ]);
    expect(d.simulated[0]!.map((p) => p.action)).toContain('ecs:DescribeServiceDeployments');
  });

  it('carry on with a warning when the simulation itself is refused', async () => {
    const d = doctor({ simulate: () => ({ kind: 'unavailable', denied: true, reason: 'AccessDenied' }) });
    const results = await d.run();
    expect(byCheck(results, 'permissions')).toMatchObject({ status: 'warn' });
    expect(byCheck(results, 'permissions')!.summary).toContain('may not call iam:SimulatePrincipalPolicy');
    expect(failed(results)).toEqual([]);
    expect(byCheck(results, 'lock')).toMatchObject({ status: 'pass' });
  });

  it('fail a service that could drop capacity or not roll back', async () => {
    const d = doctor({
      settings: {
        minimumHealthyPercent: 50,
        maximumPercent: 200,
        circuitBreaker: { enable: true, rollback: false },
      },
    });
    const service = byCheck(await d.run(), 'service')!;
    expect(service.status).toBe('fail');
    expect(service.items).toEqual([
      `${SERVICE}: minimumHealthyPercent/maximumPercent are 50/200, not 100/200`,
      `${SERVICE}: the deployment circuit breaker is not enabled with rollback`,
    ]);
  });

  it('fail when no manual snapshot is left, and warn when fewer than the retention keeps are', async () => {
    expect(byCheck(await doctor({ quota: { used: 100, max: 100 } }).run(), 'snapshot-quota')).toMatchObject({
      status: 'fail',
    });
    expect(byCheck(await doctor({ quota: { used: 97, max: 100 } }).run(), 'snapshot-quota')).toMatchObject({
      status: 'warn',
    });
  });

  it('warn about a held lock without failing', async () => {
    const d = doctor({
      lock: {
        owner: 'bob@ci',
        runId: 'r1',
        sha: 'c'.repeat(40),
        acquiredAt: '2026-03-04T05:00:00Z',
        expiresAt: '2026-03-04T06:00:00Z',
      },
    });
    const results = await d.run();
    expect(byCheck(results, 'lock')).toMatchObject({ status: 'warn' });
    expect(byCheck(results, 'lock')!.summary).toContain('bob@ci');
    expect(failed(results)).toEqual([]);
  });
});
