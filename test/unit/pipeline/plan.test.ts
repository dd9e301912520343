/** The pure planner: every decision from what resolve read, without fakes. */
import { describe, expect, it } from 'vitest';
import { describePlan, type PlanInput, planRelease, versionOf } from '../../../src/pipeline/plan.ts';
import type {
  DeploymentSnapshot,
  ServiceSnapshot,
  TaskDefinitionSnapshot,
} from '../../../src/pipeline/ports.ts';
import {
  BASE_URL,
  NEW_SHA,
  OLD_SHA,
  REPO_URI,
  SERVICE,
  testConfig,
  testDescriptor,
} from '../../support/fakes-release.ts';

const NEW_DIGEST = `sha256:${'b'.repeat(64)}`;
const at = new Date('2026-03-04T05:06:07Z');
const arn = (n: number) => `arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-staging-web:${n}`;

const def = (n: number, sha: string, digest: string, tagged = true): TaskDefinitionSnapshot => ({
  arn: arn(n),
  family: 'shop-staging-web',
  revision: n,
  status: 'ACTIVE',
  containers: [{ name: 'web', image: `${REPO_URI}@${digest}`, environment: { APP_VERSION: sha } }],
  tags: tagged ? { 'ferry:sha': sha, 'ferry:digest': digest } : {},
});
const OLD = def(1, OLD_SHA, `sha256:${'a'.repeat(64)}`);
const NEW = def(2, NEW_SHA, NEW_DIGEST);

const deployment = (over: Partial<DeploymentSnapshot> = {}): DeploymentSnapshot => ({
  id: 'ecs-svc/1',
  status: 'PRIMARY',
  taskDefinitionArn: arn(1),
  rolloutState: 'COMPLETED',
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  failedTasks: 0,
  createdAt: at,
  updatedAt: at,
  ...over,
});
const service = (deployments: DeploymentSnapshot[], name = SERVICE): ServiceSnapshot => ({
  name,
  arn: `arn:aws:ecs:eu-west-1:111111111111:service/shop-staging/${name}`,
  status: 'ACTIVE',
  taskDefinitionArn: deployments[0]?.taskDefinitionArn ?? arn(1),
  desiredCount: 2,
  runningCount: 2,
  pendingCount: 0,
  deployments,
  events: [{ id: 'ev-1', createdAt: at, message: 'steady' }],
});

/** One service of one family: the planner's per-family and per-service maps, written as single values. */
interface OneServiceInput extends Omit<PlanInput, 'latest' | 'recorded' | 'previous' | 'previousFallback'> {
  latest: TaskDefinitionSnapshot;
  recorded?: TaskDefinitionSnapshot;
  previous?: TaskDefinitionSnapshot;
  previousFallback?: string;
}

const input = (over: Partial<OneServiceInput> = {}): PlanInput => {
  const one: OneServiceInput = {
    kind: 'deploy',
    env: 'staging',
    sha: NEW_SHA,
    digest: NEW_DIGEST,
    config: testConfig(),
    descriptor: testDescriptor(),
    latest: OLD,
    services: [service([deployment()])],
    now: at,
    ...over,
  };
  const { latest, recorded, previous, previousFallback, ...rest } = one;
  return {
    ...rest,
    latest: new Map([[latest.family, latest]]),
    ...(recorded ? { recorded: new Map([[SERVICE, recorded]]) } : {}),
    ...(previous ? { previous: new Map([[SERVICE, previous]]) } : {}),
    ...(previousFallback ? { previousFallback: new Map([[SERVICE, previousFallback]]) } : {}),
  };
};

describe('planRelease', () => {
  it('registers a revision from the latest one, pinned by digest, then snapshots and migrates', () => {
    const plan = planRelease(input({ previous: OLD }));
    expect(plan).toMatchObject({
      kind: 'deploy',
      app: 'shop',
      env: 'staging',
      image: `${REPO_URI}@${NEW_DIGEST}`,
      cluster: 'shop-staging',
      revision: { kind: 'register', baseArn: arn(1), baseImage: OLD.containers[0]!.image, container: 'web' },
      snapshot: { database: 'shop-staging', kind: 'instance', name: 'ferry-staging-bbbbbbb-20260304050607' },
      migration: { command: ['npm', 'run', 'migrate'], container: 'web', timeoutMs: 600_000 },
      previousSha: OLD_SHA,
    });
    expect(plan.services).toEqual([
      {
        name: SERVICE,
        container: 'web',
        baseUrl: BASE_URL,
        family: 'shop-staging-web',
        revision: {
          kind: 'register',
          baseArn: arn(1),
          baseImage: OLD.containers[0]!.image,
          container: 'web',
          image: `${REPO_URI}@${NEW_DIGEST}`,
        },
        previousTaskDefinitionArn: arn(1),
        previousSha: OLD_SHA,
        converged: false,
        knownEventIds: ['ev-1'],
      },
    ]);
  });

  it('reuses the latest revision when it carries this exact release', () => {
    expect(planRelease(input({ latest: NEW })).revision).toEqual({
      kind: 'reuse',
      arn: arn(2),
      image: `${REPO_URI}@${NEW_DIGEST}`,
    });
    // Same SHA, another digest: not this release.
    const other = def(3, NEW_SHA, `sha256:${'c'.repeat(64)}`);
    expect(
      planRelease(input({ latest: { ...other, tags: { ...other.tags, 'ferry:digest': NEW_DIGEST } } }))
        .revision.kind,
    ).toBe('register');
    expect(planRelease(input({ latest: def(3, NEW_SHA, NEW_DIGEST, false) })).revision.kind).toBe('register');
  });

  it('reuses the recorded revision of a rollback target while it is ACTIVE, and never migrates on a rollback', () => {
    const plan = planRelease(input({ kind: 'rollback', sha: OLD_SHA, recorded: OLD, latest: NEW }));
    expect(plan.revision).toEqual({ kind: 'reuse', arn: arn(1), image: OLD.containers[0]!.image });
    expect(plan.snapshot).toEqual({ skip: 'a rollback does not migrate' });
    expect(plan.migration).toEqual({ skip: 'a rollback does not migrate' });
    const inactive = planRelease(
      input({
        kind: 'rollback',
        sha: OLD_SHA,
        digest: `sha256:${'a'.repeat(64)}`,
        recorded: { ...OLD, status: 'INACTIVE' },
        latest: NEW,
      }),
    );
    expect(inactive.revision.kind).toBe('register');
  });

  it('converges only a service alone on the target revision, COMPLETED, at full strength', () => {
    const onTarget = (over: Partial<DeploymentSnapshot> = {}) =>
      planRelease(
        input({ latest: NEW, services: [service([deployment({ taskDefinitionArn: arn(2), ...over })])] }),
      ).services[0]!.converged;
    expect(onTarget()).toBe(true);
    expect(onTarget({ rolloutState: undefined })).toBe(true);
    expect(onTarget({ rolloutState: 'IN_PROGRESS' })).toBe(false);
    expect(onTarget({ runningCount: 1 })).toBe(false);
    const two = service([deployment({ taskDefinitionArn: arn(2) }), deployment({ status: 'ACTIVE' })]);
    expect(planRelease(input({ latest: NEW, services: [two] })).services[0]!.converged).toBe(false);
    // On another revision, or a revision to register: not converged.
    expect(planRelease(input({ latest: NEW })).services[0]!.converged).toBe(false);
    expect(
      planRelease(input({ services: [service([deployment({ taskDefinitionArn: arn(2) })])] })).services[0]!
        .converged,
    ).toBe(false);
  });

  it('skips snapshot and migration only when every service is converged', () => {
    const descriptor = testDescriptor({
      services: [
        { name: SERVICE, container: 'web', baseUrl: BASE_URL },
        { name: 'api', container: 'web', baseUrl: 'http://lb.test/api' },
      ],
    });
    const onNew = service([deployment({ taskDefinitionArn: arn(2) })]);
    const half = planRelease(
      input({ descriptor, latest: NEW, services: [onNew, service([deployment()], 'api')] }),
    );
    expect(half.services.map((s) => s.converged)).toEqual([true, false]);
    expect(half.snapshot).toHaveProperty('name');
    expect(half.migration).toHaveProperty('command');
    const all = planRelease(input({ descriptor, latest: NEW, services: [onNew, { ...onNew, name: 'api' }] }));
    expect(all.snapshot).toEqual({ skip: 'the release is already live; nothing to migrate' });
    expect(all.migration).toEqual({ skip: 'the release is already live; nothing to migrate' });
  });

  it('on a re-run whose release is live, returns to the release before it, never to the target', () => {
    const live = [service([deployment({ taskDefinitionArn: arn(2) })])];
    expect(planRelease(input({ latest: NEW, services: live })).services[0]).not.toHaveProperty(
      'previousTaskDefinitionArn',
    );
    expect(
      planRelease(input({ latest: NEW, services: live, previousFallback: arn(1) })).services[0]!
        .previousTaskDefinitionArn,
    ).toBe(arn(1));
  });

  it('skips the snapshot without a database or a migrate command', () => {
    const noDb = planRelease(input({ descriptor: testDescriptor({ database: undefined }) }));
    expect(noDb.snapshot).toEqual({ skip: 'the environment has no database' });
    expect(noDb.migration).toHaveProperty('command');
    const noMigrate = planRelease(input({ config: testConfig({ migrate: undefined }) }));
    expect(noMigrate.snapshot).toEqual({ skip: 'no migrate command in the config' });
    expect(noMigrate.migration).toEqual({ skip: 'no migrate command in the config' });
  });

  it('knows no previous version without a previous revision', () => {
    expect(planRelease(input())).not.toHaveProperty('previousSha');
    expect(planRelease(input({ services: [] })).services[0]).toMatchObject({
      converged: false,
      knownEventIds: [],
    });
  });
});

describe('versionOf', () => {
  it("is ferry's tag, else the container's APP_VERSION", () => {
    expect(versionOf(undefined)).toBeUndefined();
    expect(versionOf(NEW, 'web')).toBe(NEW_SHA);
    expect(versionOf(def(4, 'v4', 'sha256:x', false), 'web')).toBe('v4');
    expect(versionOf(def(4, 'v4', 'sha256:x', false), 'other')).toBe('v4');
  });
});

describe('describePlan', () => {
  it('lists what the release will do', () => {
    expect(describePlan(planRelease(input({ previous: OLD })))).toEqual([
      `deploy ${NEW_SHA} to staging`,
      `image    ${REPO_URI}@${NEW_DIGEST}`,
      `revision new, from ${arn(1)}`,
      `  image  ${OLD.containers[0]!.image} -> ${REPO_URI}@${NEW_DIGEST}`,
      'snapshot ferry-staging-bbbbbbb-20260304050607 of shop-staging',
      'migrate  ["npm","run","migrate"]',
      `service  ${SERVICE} (shop-staging) from ${arn(1)}`,
    ]);
    const live = planRelease(
      input({ latest: NEW, services: [service([deployment({ taskDefinitionArn: arn(2) })])] }),
    );
    expect(describePlan(live).slice(2)).toEqual([
      `revision reuse ${arn(2)}`,
      'snapshot skipped: the release is already live; nothing to migrate',
      'migrate  skipped: the release is already live; nothing to migrate',
      `service  ${SERVICE} (shop-staging) already on this release: verify only`,
    ]);
    expect(describePlan(planRelease(input({ services: [] })))[6]).toBe(
      `service  ${SERVICE} (shop-staging) from (unknown)`,
    );
  });
});
