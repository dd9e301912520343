/** The pure planner: every decision from what read.ts gathered, without fakes. */
import { describe, expect, it } from 'vitest';
import type { Descriptor, FerryConfig } from '../../../src/config/schema.ts';
import type { LedgerEntry } from '../../../src/pipeline/ledger.ts';
import {
  describePlan,
  isRefusal,
  type Plan,
  planRelease,
  refuseRequest,
} from '../../../src/pipeline/plan.ts';
import type {
  DeploymentSnapshot,
  ServiceSnapshot,
  TaskDefinitionSnapshot,
} from '../../../src/pipeline/ports.ts';
import type { ReleaseState } from '../../../src/pipeline/read.ts';
import { versionOf } from '../../../src/pipeline/versions.ts';
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

/** One service of one family: the read state's per-family and per-service maps, written as single values. */
interface OneServiceInput {
  kind: 'deploy' | 'rollback';
  sha: string;
  digest: string;
  config: FerryConfig;
  descriptor: Descriptor;
  latest: TaskDefinitionSnapshot;
  recorded?: TaskDefinitionSnapshot;
  /** The revision the service runs now, read by ARN. */
  previous?: TaskDefinitionSnapshot;
  /** The revision of the ledger's newest deployed release. */
  previousFallback?: string;
  services: ServiceSnapshot[];
  now: Date;
}

const entry = (over: Partial<LedgerEntry> = {}): LedgerEntry => ({
  sha: OLD_SHA,
  digest: `sha256:${'a'.repeat(64)}`,
  taskDefinitionArn: arn(1),
  previousTaskDefinitionArn: null,
  snapshotId: null,
  outcome: 'deployed',
  actor: 'alice',
  startedAt: at.toISOString(),
  finishedAt: at.toISOString(),
  steps: [],
  version: 1,
  ...over,
});

const stateOf = (over: Partial<OneServiceInput> = {}): ReleaseState => {
  const one: OneServiceInput = {
    kind: 'deploy',
    sha: NEW_SHA,
    digest: NEW_DIGEST,
    config: testConfig(),
    descriptor: testDescriptor(),
    latest: OLD,
    services: [service([deployment()])],
    now: at,
    ...over,
  };
  const settings = {
    env: 'staging',
    config: one.config,
    descriptor: one.descriptor,
    timeoutMs: 60_000,
    dryRun: false,
    owner: 'alice@laptop',
    runId: 'run-1',
  };
  return {
    request:
      one.kind === 'rollback'
        ? { kind: 'rollback', ...settings }
        : { kind: 'deploy', sha: one.sha, ...settings },
    sha: one.sha,
    target:
      one.kind === 'rollback'
        ? { kind: 'rollback', to: entry({ sha: one.sha, digest: one.digest }), imageExists: true }
        : { kind: 'deploy', digest: one.digest },
    latest: new Map([[one.latest.family, one.latest]]),
    services: one.services,
    revisions: new Map(one.previous ? [[one.previous.arn, one.previous]] : []),
    ...(one.recorded ? { recorded: new Map([[SERVICE, one.recorded]]) } : {}),
    ledger: one.previousFallback ? [entry({ taskDefinitionArn: one.previousFallback })] : [],
    now: one.now,
  };
};

/** The plan for a state that must not be refused. */
const planOf = (state: ReleaseState): Plan => {
  const decision = planRelease(state);
  if (isRefusal(decision)) throw new Error(`refused: ${decision.reason}`);
  return decision;
};
const input = stateOf;

describe('planRelease', () => {
  it('registers a revision from the latest one, pinned by digest, then snapshots and migrates', () => {
    const plan = planOf(input({ previous: OLD }));
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
    expect(planOf(input({ latest: NEW })).revision).toEqual({
      kind: 'reuse',
      arn: arn(2),
      image: `${REPO_URI}@${NEW_DIGEST}`,
    });
    // Same SHA, another digest: not this release.
    const other = def(3, NEW_SHA, `sha256:${'c'.repeat(64)}`);
    expect(
      planOf(input({ latest: { ...other, tags: { ...other.tags, 'ferry:digest': NEW_DIGEST } } })).revision
        .kind,
    ).toBe('register');
    expect(planOf(input({ latest: def(3, NEW_SHA, NEW_DIGEST, false) })).revision.kind).toBe('register');
  });

  it('reuses the recorded revision of a rollback target while it is ACTIVE, and never migrates on a rollback', () => {
    const plan = planOf(input({ kind: 'rollback', sha: OLD_SHA, recorded: OLD, latest: NEW }));
    expect(plan.revision).toEqual({ kind: 'reuse', arn: arn(1), image: OLD.containers[0]!.image });
    expect(plan.snapshot).toEqual({ skip: 'a rollback does not migrate' });
    expect(plan.migration).toEqual({ skip: 'a rollback does not migrate' });
    const inactive = planOf(
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
      planOf(
        input({ latest: NEW, services: [service([deployment({ taskDefinitionArn: arn(2), ...over })])] }),
      ).services[0]!.converged;
    expect(onTarget()).toBe(true);
    expect(onTarget({ rolloutState: undefined })).toBe(true);
    expect(onTarget({ rolloutState: 'IN_PROGRESS' })).toBe(false);
    expect(onTarget({ runningCount: 1 })).toBe(false);
    const two = service([deployment({ taskDefinitionArn: arn(2) }), deployment({ status: 'ACTIVE' })]);
    expect(planOf(input({ latest: NEW, services: [two] })).services[0]!.converged).toBe(false);
    // On another revision, or a revision to register: not converged.
    expect(planOf(input({ latest: NEW })).services[0]!.converged).toBe(false);
    expect(
      planOf(input({ services: [service([deployment({ taskDefinitionArn: arn(2) })])] })).services[0]!
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
    const half = planOf(
      input({ descriptor, latest: NEW, services: [onNew, service([deployment()], 'api')] }),
    );
    expect(half.services.map((s) => s.converged)).toEqual([true, false]);
    expect(half.snapshot).toHaveProperty('name');
    expect(half.migration).toHaveProperty('command');
    const all = planOf(input({ descriptor, latest: NEW, services: [onNew, { ...onNew, name: 'api' }] }));
    expect(all.snapshot).toEqual({ skip: 'the release is already live; nothing to migrate' });
    expect(all.migration).toEqual({ skip: 'the release is already live; nothing to migrate' });
  });

  it('on a re-run whose release is live, returns to the release before it, never to the target', () => {
    const live = [service([deployment({ taskDefinitionArn: arn(2) })])];
    expect(planOf(input({ latest: NEW, services: live })).services[0]).not.toHaveProperty(
      'previousTaskDefinitionArn',
    );
    expect(
      planOf(input({ latest: NEW, services: live, previousFallback: arn(1) })).services[0]!
        .previousTaskDefinitionArn,
    ).toBe(arn(1));
  });

  it('skips the snapshot without a database or a migrate command', () => {
    const noDb = planOf(input({ descriptor: testDescriptor({ database: undefined }) }));
    expect(noDb.snapshot).toEqual({ skip: 'the environment has no database' });
    expect(noDb.migration).toHaveProperty('command');
    const noMigrate = planOf(input({ config: testConfig({ migrate: undefined }) }));
    expect(noMigrate.snapshot).toEqual({ skip: 'no migrate command in the config' });
    expect(noMigrate.migration).toEqual({ skip: 'no migrate command in the config' });
  });

  it('knows no previous version without a previous revision', () => {
    expect(planOf(input())).not.toHaveProperty('previousSha');
    expect(planOf(input({ services: [] })).services[0]).toMatchObject({
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
    expect(describePlan(planOf(input({ previous: OLD })))).toEqual([
      `deploy ${NEW_SHA} to staging`,
      `image    ${REPO_URI}@${NEW_DIGEST}`,
      `revision new, from ${arn(1)}`,
      `  image  ${OLD.containers[0]!.image} -> ${REPO_URI}@${NEW_DIGEST}`,
      'snapshot ferry-staging-bbbbbbb-20260304050607 of shop-staging',
      'migrate  ["npm","run","migrate"]',
      `service  ${SERVICE} (shop-staging) from ${arn(1)}`,
    ]);
    const live = planOf(
      input({ latest: NEW, services: [service([deployment({ taskDefinitionArn: arn(2) })])] }),
    );
    expect(describePlan(live).slice(2)).toEqual([
      `revision reuse ${arn(2)}`,
      'snapshot skipped: the release is already live; nothing to migrate',
      'migrate  skipped: the release is already live; nothing to migrate',
      `service  ${SERVICE} (shop-staging) already on this release: verify only`,
    ]);
    expect(describePlan(planOf(input({ services: [] })))[6]).toBe(
      `service  ${SERVICE} (shop-staging) from (unknown)`,
    );
  });
});

describe('planRelease refuses, before the lock, what must not start (exit 2, nothing changed)', () => {
  const promotion = (over: Partial<Extract<ReleaseState['target'], { kind: 'promote' }>> = {}) => {
    const base = stateOf();
    const passed = entry({ sha: NEW_SHA, digest: NEW_DIGEST });
    return {
      ...base,
      request: { ...base.request, kind: 'promote' as const, from: 'qa' },
      target: { kind: 'promote' as const, from: 'qa', passed, sourceLedger: [passed], ...over },
    } satisfies ReleaseState;
  };
  const cases: [string, () => ReleaseState, RegExp][] = [
    ['a SHA without an image', () => stateOf({ digest: '' }), /--sha b{40}: no image tagged b{40}/],
    [
      'a rollback whose image is gone',
      () => {
        const s = stateOf({ kind: 'rollback', sha: OLD_SHA });
        return { ...s, target: { ...s.target, imageExists: false } as ReleaseState['target'] };
      },
      /no longer exists in ECR; pick another release with --to/,
    ],
    [
      "a promotion whose SHA the target's repository tags as another image",
      () => promotion({ targetTag: `sha256:${'e'.repeat(64)}` }),
      /tags are immutable, so this release cannot be promoted/,
    ],
    [
      'a promotion older than what the target runs',
      () => {
        const s = promotion();
        // The target runs OLD_SHA, which passed qa after NEW_SHA.
        const sourceLedger = [entry({ sha: OLD_SHA }), entry({ sha: NEW_SHA, digest: NEW_DIGEST })];
        return { ...s, revisions: new Map([[OLD.arn, OLD]]), target: { ...s.target, sourceLedger } };
      },
      /passed qa before aaaaaaa, which staging runs: promoting it would move staging backwards/,
    ],
    [
      "a descriptor container the family's latest revision does not have",
      () =>
        stateOf({
          descriptor: testDescriptor({ services: [{ name: SERVICE, container: 'api', baseUrl: BASE_URL }] }),
        }),
      /shop-staging-web:1 has no container named "api" \(it has: web\); check the descriptor's services\[\]\.container/,
    ],
    [
      'a service that is not ACTIVE',
      () => stateOf({ services: [{ ...service([deployment()]), status: 'DRAINING' }] }),
      /service shop-staging-web in cluster shop-staging is DRAINING, not ACTIVE/,
    ],
    [
      'a database that does not exist',
      () => ({ ...stateOf(), database: { identifier: 'shop-staging', status: undefined } }),
      /database shop-staging \(descriptor database.identifier\) does not exist/,
    ],
    [
      'dangerous migrations with migrate.dangerous "fail"',
      () => ({
        ...stateOf({
          config: testConfig({ migrate: { command: ['m'], paths: ['db/*.sql'], dangerous: 'fail' } }),
        }),
        migrations: {
          kind: 'files',
          files: [{ path: 'db/2.sql', sql: 'DROP TABLE users;' }],
          scope: 'test',
          unmatched: [],
        },
      }),
      /dangerous migration statement .*migrate.dangerous is "fail", so nothing was changed/,
    ],
    [
      'migrations that cannot be checked with migrate.dangerous "fail"',
      () => ({
        ...stateOf({
          config: testConfig({ migrate: { command: ['m'], paths: ['db/*.sql'], dangerous: 'fail' } }),
        }),
        migrations: { kind: 'unavailable', reason: 'migrations not checked: no git' },
      }),
      /migrations not checked: no git; migrate.dangerous is "fail"/,
    ],
  ];
  it.each(cases)('%s', (_, state, reason) => {
    const decision = planRelease(state());
    expect(isRefusal(decision)).toBe(true);
    expect(decision).toMatchObject({ exitCode: 2, reason: expect.stringMatching(reason) });
  });

  it('goes on with a warning when the same migrations only warn', () => {
    const decision = planOf({
      ...stateOf({ config: testConfig({ migrate: { command: ['m'], paths: ['db/*.sql'] } }) }),
      migrations: {
        kind: 'files',
        files: [{ path: 'db/2.sql', sql: 'DROP TABLE users;' }],
        scope: 'test',
        unmatched: [],
      },
    });
    expect(decision.notes.map((n) => n.level)).toContain('error');
    expect(decision.migration).toHaveProperty('command');
  });

  it('has nothing to do for a promotion the target already runs, and copies for one it does not', () => {
    const NEW_ON_TARGET = def(2, NEW_SHA, NEW_DIGEST);
    const live = promotion();
    const converged = planOf({
      ...live,
      latest: new Map([[NEW_ON_TARGET.family, NEW_ON_TARGET]]),
      services: [service([deployment({ taskDefinitionArn: arn(2) })])],
    });
    expect(converged.nothingToDo).toMatch(/staging already runs bbbbbbb .*nothing to promote/);
    const fresh = planOf(live);
    expect(fresh.nothingToDo).toBeUndefined();
    expect(fresh).toMatchObject({ recordKind: 'promote', promotion: { from: 'qa', sourceCheck: 'run' } });
  });
});

describe('refuseRequest: the rules on the request alone, before anything is read', () => {
  const config = testConfig({ environments: { qa: {}, staging: { promoteFrom: 'qa' }, other: {} } });
  it.each([
    [{ kind: 'deploy' as const, sha: NEW_SHA }, /staging takes images only through promotion from qa/],
    [{ kind: 'promote' as const, from: 'staging' }, /--from and --to are both staging/],
    [{ kind: 'promote' as const, from: 'other' }, /--from other: staging promotes from qa/],
  ])('refuses %o', (ask, reason) => {
    expect(refuseRequest({ ...ask, env: 'staging', config })).toMatchObject({
      exitCode: 2,
      reason: expect.stringMatching(reason),
    });
  });
  it.each([
    { kind: 'deploy' as const, sha: NEW_SHA, skipPromotion: true },
    { kind: 'promote' as const, from: 'qa' },
    { kind: 'rollback' as const },
  ])('lets %o through', (ask) => {
    expect(refuseRequest({ ...ask, env: 'staging', config })).toBeUndefined();
  });
});
