/** A ready-made environment for pipeline tests: shop/staging on the fakes, one service running OLD_SHA. */
import { parseConfig, parseDescriptor } from '../../src/config/load.ts';
import type { Descriptor, FerryConfig } from '../../src/config/schema.ts';
import type { Deps } from '../../src/pipeline/context.ts';
import { recordRelease } from '../../src/pipeline/ledger.ts';
import { isRefusal, type Plan, planRelease } from '../../src/pipeline/plan.ts';
import type { ImageCopier, ParameterStore } from '../../src/pipeline/ports.ts';
import { readReleaseState } from '../../src/pipeline/read.ts';
import type { DeployRequest, ReleaseRequest } from '../../src/pipeline/request.ts';
import { type FakeWorld, fakeWorld } from './fakes.ts';

export const OLD_SHA = 'a'.repeat(40);
export const NEW_SHA = 'b'.repeat(40);
export const REPO_URI = '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop-staging';
export const SERVICE = 'shop-staging-web';
export const BASE_URL = 'http://lb.test/_lb/shop-staging-web';

export function testConfig(overrides: Record<string, unknown> = {}): FerryConfig {
  return parseConfig({
    app: 'shop',
    region: 'eu-west-1',
    migrate: { command: ['npm', 'run', 'migrate'], timeout: '10m' },
    health: { path: '/health', successes: 3, interval: '2s', timeout: '1m' },
    environments: { staging: {} },
    ...overrides,
  });
}

export function testDescriptor(overrides: Record<string, unknown> = {}): Descriptor {
  return parseDescriptor(
    {
      version: 1,
      app: 'shop',
      environment: 'staging',
      region: 'eu-west-1',
      accountId: '111111111111',
      cluster: 'shop-staging',
      services: [{ name: SERVICE, container: 'web', baseUrl: BASE_URL }],
      repository: { name: 'shop-staging', uri: REPO_URI },
      database: { identifier: 'shop-staging', kind: 'instance' },
      taskDefinitionFamily: 'shop-staging-web',
      network: { subnets: ['subnet-1'], securityGroups: ['sg-1'], assignPublicIp: false },
      ...overrides,
    },
    'test descriptor',
  );
}

export interface ReleaseFixture extends FakeWorld {
  request: DeployRequest;
  oldArn: string;
  newDigest: string;
}

/** shop-staging-web runs OLD_SHA (a ferry-made revision); NEW_SHA's image is pushed and ready. */
export function releaseFixture(
  options: { pollIntervalMs?: number; config?: FerryConfig; descriptor?: Descriptor } = {},
): ReleaseFixture {
  const world = fakeWorld({
    pollIntervalMs: options.pollIntervalMs ?? 5000,
    services: { [SERVICE]: BASE_URL },
  });
  const oldDigest = world.registry.push('shop-staging', OLD_SHA);
  const newDigest = world.registry.push('shop-staging', NEW_SHA);
  const old = world.ecs.addRevision('shop-staging-web', OLD_SHA, `${REPO_URI}@${oldDigest}`, {
    'ferry:sha': OLD_SHA,
    'ferry:digest': oldDigest,
  });
  world.ecs.addService(SERVICE, old.arn);
  const request: DeployRequest = {
    kind: 'deploy',
    env: 'staging',
    sha: NEW_SHA,
    config: options.config ?? testConfig(),
    descriptor: options.descriptor ?? testDescriptor(),
    timeoutMs: 10 * 60_000,
    dryRun: false,
    owner: 'alice@laptop',
    runId: 'run-1',
  };
  return { ...world, request, oldArn: old.arn, newDigest };
}

/** Calls that change something in AWS. */
export const MUTATING = /\.(Put|Delete|Create|Register|Run|Update|Stop|Deregister)/;

export function mutatingCalls(log: string[]): string[] {
  return log.filter((c) => MUTATING.test(c));
}

/** Read, then plan, as the runbook does before the lock; a refusal fails the test. */
export async function planFor(deps: Deps, request: ReleaseRequest): Promise<Plan> {
  const decision = planRelease(await readReleaseState(deps, request));
  if (isRefusal(decision)) throw new Error(`refused: ${decision.reason}`);
  return decision;
}

export const SOURCE_DIGEST = `sha256:${'c'.repeat(64)}`;

/** A promotion into shop-staging's fake repository, where NEW_SHA's tag is not yet present. */
export async function promotionFixture(copy: ImageCopier['copy']) {
  const f = releaseFixture();
  f.registry.tags.delete(`shop-staging:${NEW_SHA}`);
  const copies: string[] = [];
  const copier: ImageCopier = {
    copy: async (digest, tag, signal) => {
      f.log.push('ECR.PutImage');
      copies.push(`${digest} as ${tag}`);
      return copy(digest, tag, signal);
    },
  };
  // qa ran NEW_SHA as SOURCE_DIGEST: its ledger says so and its repository has the image.
  const source = releaseFixture();
  source.registry.tags.set(`shop-staging:${NEW_SHA}`, SOURCE_DIGEST);
  await recordDeployed(source.parameters, 'qa', { sha: NEW_SHA, digest: SOURCE_DIGEST });
  f.deps.source = { env: 'qa', ports: source.ports, descriptor: source.request.descriptor };
  f.deps.copier = copier;
  const { sha: _, ...settings } = f.request;
  const request: ReleaseRequest = {
    ...settings,
    kind: 'promote',
    from: 'qa',
    sha: NEW_SHA,
    // The live check of the source has tests of its own (source-gate).
    skipSourceCheck: true,
  };
  return { f, request, copies };
}

/** A deployed release of shop in `env`'s ledger, as ferry records one. */
export function recordDeployed(
  parameters: ParameterStore,
  env: string,
  release: { sha: string; digest: string; taskDefinitionArn?: string | null },
): Promise<number> {
  return recordRelease(parameters, 'shop', env, {
    kind: 'deploy',
    sha: release.sha,
    digest: release.digest,
    taskDefinitionArn: release.taskDefinitionArn ?? null,
    previousTaskDefinitionArn: null,
    snapshotId: null,
    outcome: 'deployed',
    actor: 'a',
    startedAt: '2026-03-01T00:00:00.000Z',
    finishedAt: '2026-03-01T00:00:00.000Z',
    steps: [],
  });
}
